using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using HostingPanel.MailEngine.Sessions.Imap;
using HostingPanel.MailEngine.Storage.Imap;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Hosting.Imap;

/// <summary>The IMAP listeners: Mail:Imap:Port (STARTTLS) and Mail:Imaps:Port (implicit TLS), named "imap" and "imaps".</summary>
public sealed class ImapServer : IHostedService
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private readonly List<MailListener> _listeners = [];
    private readonly MailEngineOptions _options;
    private readonly MailListenerRegistry _registry;
    private readonly ImapStoreAuthenticator _authenticator;
    private readonly MailTlsCertificate _tls;
    private readonly ILogger<ImapServer> _logger;
    private readonly ImapSessionOptions _loopbackOptions;
    private readonly ImapSessionOptions _remoteOptions;

    public ImapServer(IOptions<MailEngineOptions> options, MailListenerRegistry registry, ImapStoreAuthenticator authenticator, MailTlsCertificate tls,
        ILogger<ImapServer> logger)
    {
        _options = options.Value;
        _registry = registry;
        _authenticator = authenticator;
        _tls = tls;
        _logger = logger;
        // CONTRACT.md 5: plaintext LOGIN only over TLS, or from loopback when Mail:AllowPlaintextAuth is set.
        _remoteOptions = new ImapSessionOptions { Hostname = _options.Hostname, AllowPlaintextAuth = false };
        _loopbackOptions = _remoteOptions with { AllowPlaintextAuth = _options.AllowPlaintextAuth };
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Add("imap", _options.Imap.Port, implicitTls: false);
        Add("imaps", _options.Imaps.Port, implicitTls: true);
        return Task.CompletedTask;
    }

    private void Add(string name, int port, bool implicitTls)
    {
        if (port == 0)
        {
            return;
        }

        // Note: a negative port asks the OS for a free one (tests); the registry tells which.
        var endPoint = new IPEndPoint(IPAddress.Parse(_options.BindAddress), Math.Max(port, 0));
        var listener = new MailListener(name, endPoint, (socket, ct) => RunAsync(socket, implicitTls, ct), _registry, _logger);
        listener.Start();
        _listeners.Add(listener);
    }

    private async Task RunAsync(Socket socket, bool implicitTls, CancellationToken cancellationToken)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint;
        EnableKeepAlive(socket);
        var options = remote is not null && IPAddress.IsLoopback(remote.Address) ? _loopbackOptions : _remoteOptions;
        await using var network = new NetworkStream(socket, ownsSocket: false);
        Stream stream = network;
        SslStream? ssl = null;
        try
        {
            if (implicitTls)
            {
                ssl = new SslStream(network, leaveInnerStreamOpen: true);
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                handshake.CancelAfter(HandshakeTimeout);
                await ssl.AuthenticateAsServerAsync(_tls.ServerOptions(), handshake.Token);
                stream = ssl;
            }

            var connection = new ImapConnection(stream, options, _authenticator, new ImapClientInfo(remote, implicitTls),
                implicitTls ? null : _tls.Certificate);
            await connection.RunAsync(cancellationToken);
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            _logger.LogDebug(e, "IMAP TLS handshake failed from {Remote}", remote);
        }
        finally
        {
            if (ssl is not null)
            {
                await ssl.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// IMAP connections live for hours (IDLE); TCP keep-alive lets the kernel notice a peer that
    /// vanished without a FIN, so its session ends instead of waiting forever.
    /// </summary>
    private static void EnableKeepAlive(Socket socket)
    {
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 300);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 60);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 5);
        }
        catch (SocketException)
        {
            // Not every platform has every option; keep-alive is a nicety.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_listeners.Select(l => l.StopAsync()));
        _listeners.Clear();
    }
}
