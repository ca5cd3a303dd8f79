using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.Testing;

/// <summary>
/// A DNSSEC-signed DNS tree from Debian's Knot DNS (package knot) on 127.0.0.1 and an ephemeral port: knotd signs a
/// root zone of the test's records with keys it generates at start (ECDSA P-256), serves further zones below it, signed
/// or not, and <c>keymgr</c> prints the root's DS record, which the product is given as its trust anchor
/// (<c>Dns:TrustAnchors:0</c>). Every name resolves from this one server, as the product's only resolver.
/// </summary>
public sealed class KnotSignedDns : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hp-knot-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    private KnotSignedDns(int port) => Port = port;

    public int Port { get; }

    /// <summary>"127.0.0.1:port", the form <c>Dns:Servers:N</c> takes.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>The signed root's DS record ("KEYTAG ALGORITHM 2 DIGEST"), for <c>Dns:TrustAnchors:0</c>.</summary>
    public string RootTrustAnchor { get; private set; } = "";

    /// <param name="rootRecords">Zone-file lines of the signed root zone (owner names absolute, ending in a dot).</param>
    /// <param name="zones">Zones served below the root: name, zone-file lines (relative owners allowed), and whether knot signs it.</param>
    public static async Task<KnotSignedDns> StartAsync(IEnumerable<string> rootRecords, IEnumerable<(string Name, IEnumerable<string> Records, bool Signed)> zones)
    {
        var knotd = new[] { "/usr/sbin/knotd" }.FirstOrDefault(File.Exists) ?? TestEnvironment.RequireTool("knotd", "knot");
        var keymgr = new[] { "/usr/sbin/keymgr" }.FirstOrDefault(File.Exists) ?? TestEnvironment.RequireTool("keymgr", "knot");
        var server = new KnotSignedDns(FreeUdpAndTcpPort());
        Directory.CreateDirectory(server._directory);
        var conf = new StringBuilder($"""
            server:
                listen: 127.0.0.1@{server.Port}
                rundir: {server._directory}
            database:
                storage: {server._directory}
            policy:
              - id: test
                algorithm: ecdsap256sha256
                ksk-lifetime: 0
                zsk-lifetime: 0
            log:
              - target: {Path.Combine(server._directory, "knot.log")}
                any: info
            zone:

            """);
        void Zone(string name, string file, IEnumerable<string> records, bool signed)
        {
            var path = Path.Combine(server._directory, file);
            File.WriteAllText(path, $"$TTL 300\n$ORIGIN {(name == "." ? "." : name + ".")}\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300\n@ NS ns.test.\n"
                                    + string.Join('\n', records) + "\n");
            conf.Append($"  - domain: {name}\n    file: {path}\n    zonefile-sync: -1\n");
            if (signed)
                conf.Append("    dnssec-signing: on\n    dnssec-policy: test\n    zonefile-load: difference-no-serial\n    journal-content: all\n");
        }
        Zone(".", "root.zone", rootRecords.Append("ns.test. A 127.0.0.1"), signed: true);
        var i = 0;
        foreach (var (name, records, signed) in zones)
            Zone(name.TrimEnd('.'), $"zone{i++}.zone", records, signed);
        var confPath = Path.Combine(server._directory, "knot.conf");
        await File.WriteAllTextAsync(confPath, conf.ToString());
        var start = new ProcessStartInfo(knotd) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(confPath);
        server._process = Process.Start(start) ?? throw new InvalidOperationException("knotd did not start");
        await server.WaitUntilSignedAsync(keymgr, confPath);
        return server;
    }

    /// <summary>Waits until the root is signed (a DNSKEY answer with an RRSIG) and reads its DS from keymgr.</summary>
    private async Task WaitUntilSignedAsync(string keymgr, string confPath)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        // DNSKEY query for "." with the DO bit (EDNS0 OPT record, flags 0x8000).
        var query = new byte[] { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 48, 0, 1, 0, 0, 41, 0x10, 0, 0, 0, 0x80, 0, 0, 0 };
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"knotd exited with {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()}"
                                                    + await LogAsync());
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            try
            {
                await udp.SendAsync(query, new IPEndPoint(IPAddress.Loopback, Port));
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                var reply = await udp.ReceiveAsync(cts.Token);
                // ANCOUNT >= 2: the DNSKEY RRset and its RRSIG.
                if (reply.Buffer.Length > 12 && (reply.Buffer[6] << 8 | reply.Buffer[7]) >= 2)
                    break;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { }
            await Task.Delay(100);
        }
        var ds = new ProcessStartInfo(keymgr) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-c", confPath, ".", "ds" })
            ds.ArgumentList.Add(arg);
        using var process = Process.Start(ds)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        // ". DS 55014 13 2 1ab7..." (SHA-256) is the first line; SHA-384 follows.
        var line = output.Split('\n').FirstOrDefault(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "DS", _, _, "2", _])
                   ?? throw new InvalidOperationException("keymgr printed no SHA-256 DS for the root: " + output + await LogAsync());
        RootTrustAnchor = string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2..]);
    }

    private async Task<string> LogAsync()
    {
        var path = Path.Combine(_directory, "knot.log");
        return File.Exists(path) ? "\n" + await File.ReadAllTextAsync(path) : "";
    }

    /// <summary>A port free for both UDP and TCP on loopback (knotd listens on both).</summary>
    private static int FreeUdpAndTcpPort()
    {
        for (var i = 0; i < 50; i++)
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
            try
            {
                var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                tcp.Stop();
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("no free port for knotd");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
