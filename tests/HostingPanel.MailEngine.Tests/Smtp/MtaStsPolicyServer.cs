using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// An HTTPS server on 127.0.0.1 playing <c>mta-sts.&lt;domain&gt;</c> for several domains: the certificate is chosen by
/// SNI and the policy by Host. Counts the fetches, so a test can tell a cached policy from a fetched one.
/// </summary>
internal sealed class MtaStsPolicyServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Func<string?, X509Certificate2> _certificateFor;
    private int _fetches;

    public MtaStsPolicyServer(Func<string?, X509Certificate2> certificateFor)
    {
        _certificateFor = certificateFor;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Policy text by host name (<c>mta-sts.example</c>); a missing host gets 404.</summary>
    public Dictionary<string, string> Policies { get; } = new(StringComparer.OrdinalIgnoreCase);

    public int Fetches => Volatile.Read(ref _fetches);

    public static string Policy(string mode, string mx) => $"version: STSv1\r\nmode: {mode}\r\nmx: {mx}\r\nmax_age: 86400\r\n";

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            await using var tls = new SslStream(client.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateSelectionCallback = (_, name) => _certificateFor(name) });
            var reader = new StreamReader(tls, Encoding.ASCII);
            var requestLine = await reader.ReadLineAsync() ?? "";
            string host = "";
            while (await reader.ReadLineAsync() is { Length: > 0 } header)
                if (header.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))
                    host = header[5..].Trim().Split(':')[0];
            Interlocked.Increment(ref _fetches);
            string response;
            lock (Policies)
                response = requestLine.StartsWith("GET /.well-known/mta-sts.txt ") && Policies.TryGetValue(host, out var policy)
                    ? $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.ASCII.GetByteCount(policy)}\r\nConnection: close\r\n\r\n{policy}"
                    : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(response));
            await tls.FlushAsync();
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _loop; } catch (OperationCanceledException) { }
    }
}
