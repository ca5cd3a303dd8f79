using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace HostingPanel.Testing;

/// <summary>
/// TLS handshakes with a forced protocol version by Debian's `openssl s_client`, which (unlike .NET's
/// SslStream on OpenSSL 3, whose default security level refuses it on the client side) still offers TLS
/// 1.0 and 1.1 at security level 0. So a failed handshake is the server's refusal, which
/// <see cref="ClientCanOfferLegacyTlsAsync"/> proves against an `openssl s_server` that accepts them.
/// </summary>
public static partial class OpenSslProbe
{
    public sealed record Outcome(bool Established, string? Protocol, bool ClientHelloSent, bool ServerHelloReceived, string Output)
    {
        /// <summary>The client offered the old version and the server did not go on with it.</summary>
        public bool RefusedByServer => ClientHelloSent && !ServerHelloReceived && !Established;
    }

    /// <param name="version">tls1, tls1_1, tls1_2 or tls1_3.</param>
    /// <param name="startTls">imap, pop3 or smtp for the STARTTLS/STLS paths; null for implicit TLS.</param>
    public static async Task<Outcome> HandshakeAsync(int port, string version, string? startTls = null)
    {
        var openssl = TestEnvironment.RequireTool("openssl", "openssl");
        var args = new List<string> { "s_client", "-connect", $"127.0.0.1:{port}", "-" + version, "-msg", "-servername", "localhost" };
        if (version is "tls1" or "tls1_1")
            args.AddRange(["-cipher", "DEFAULT@SECLEVEL=0"]);
        if (startTls is not null)
            args.AddRange(["-starttls", startTls]);
        var output = await RunAsync(openssl, args);
        var protocol = ProtocolRegex().Match(output);
        var established = protocol.Success;
        var label = version switch { "tls1" => "TLS 1.0", "tls1_1" => "TLS 1.1", "tls1_2" => "TLS 1.2", _ => "TLS 1.3" };
        var clientHello = output.Contains($">>> {label}, Handshake", StringComparison.Ordinal) && output.Contains("ClientHello", StringComparison.Ordinal);
        var serverHello = output.Contains("ServerHello", StringComparison.Ordinal);
        return new Outcome(established, established ? protocol.Groups[1].Value : null, clientHello, serverHello, output);
    }

    /// <summary>Proves the client side: the same command completes TLS 1.0 and 1.1 with a server that allows them.</summary>
    public static async Task ClientCanOfferLegacyTlsAsync()
    {
        var openssl = TestEnvironment.RequireTool("openssl", "openssl");
        var dir = Directory.CreateTempSubdirectory("hp-openssl-").FullName;
        try
        {
            var key = Path.Combine(dir, "key.pem");
            var cert = Path.Combine(dir, "cert.pem");
            await RunAsync(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=localhost", "-days", "1"]);
            var port = FreePort();
            var start = new ProcessStartInfo(openssl) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "s_server", "-accept", $"127.0.0.1:{port}", "-cert", cert, "-key", key, "-cipher", "DEFAULT@SECLEVEL=0", "-quiet" })
                start.ArgumentList.Add(a);
            using var server = Process.Start(start)!;
            try
            {
                await WaitUntilListeningAsync(port, server);
                foreach (var version in new[] { "tls1", "tls1_1" })
                {
                    var outcome = await HandshakeAsync(port, version);
                    Assert.True(outcome.Established, $"openssl cannot do {version} even with a server that allows it, so a refusal would prove nothing:\n{outcome.Output}");
                }
            }
            finally
            {
                server.Kill();
                await server.WaitForExitAsync();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Until s_server accepts connections (a fixed pause lost the race on a loaded CI machine).</summary>
    private static async Task WaitUntilListeningAsync(int port, Process server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            Assert.False(server.HasExited, "openssl s_server exited before it listened");
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task<string> RunAsync(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.StandardInput.Close(); // s_client ends after the handshake when its input ends
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }
        return await stdout + await stderr;
    }

    [GeneratedRegex(@"New, (TLSv1(?:\.[0-3])?), Cipher is")]
    private static partial Regex ProtocolRegex();
}
