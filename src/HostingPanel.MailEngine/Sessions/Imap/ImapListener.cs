using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>
/// Accepts IMAP clients on one endpoint and runs an <see cref="ImapConnection"/> for each: plain with
/// STARTTLS (port 143 role) or implicit TLS (port 993 role). Hosting starts one per configured port.
/// </summary>
public sealed class ImapListener : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly ImapSessionOptions _options;
    private readonly IImapAuthenticator _authenticator;
    private readonly X509Certificate2? _certificate;
    private readonly bool _implicitTls;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _connections = [];
    private Task? _acceptLoop;

    public ImapListener(IPEndPoint endPoint, ImapSessionOptions options, IImapAuthenticator authenticator, X509Certificate2? certificate, bool implicitTls)
    {
        if (implicitTls && certificate is null)
        {
            throw new ArgumentException("Implicit TLS needs a certificate.", nameof(certificate));
        }

        _listener = new TcpListener(endPoint);
        _options = options;
        _authenticator = authenticator;
        _certificate = certificate;
        _implicitTls = implicitTls;
    }

    /// <summary>The bound endpoint (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    public void Start()
    {
        _listener.Start();
        _acceptLoop = AcceptLoopAsync(_stop.Token);
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            var task = ServeAsync(socket, cancellationToken);
            lock (_connections)
            {
                _connections.Add(task);
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (_connections)
                    {
                        _connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (_implicitTls)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                handshake.CancelAfter(TimeSpan.FromSeconds(30));
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, handshake.Token);
                stream = tls;
            }

            var client = new ImapClientInfo(socket.RemoteEndPoint as IPEndPoint, _implicitTls);
            var connection = new ImapConnection(stream, _options, _authenticator, client, _implicitTls ? null : _certificate);
            await connection.RunAsync(cancellationToken);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            // The client left, the handshake failed, or the server is stopping.
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop;
        }

        Task[] running;
        lock (_connections)
        {
            running = [.. _connections];
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
