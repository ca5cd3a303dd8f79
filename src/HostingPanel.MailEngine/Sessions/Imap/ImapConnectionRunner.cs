using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>
/// Serves one accepted IMAP socket: TCP keep-alive, the TLS handshake on an implicit-TLS port, then an
/// <see cref="ImapConnection"/> (which offers STARTTLS on a plain port when a certificate is given).
/// The one path for the engine's listeners and for <see cref="ImapListener"/>.
/// </summary>
public static class ImapConnectionRunner
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    /// <param name="remote">The client (behind a balancer, the one its PROXY header named); null: the socket's peer.</param>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The TLS handshake failed.</exception>
    /// <param name="tls">Chooses the handshake's options (the certificate by the client's SNI name); null: no TLS.</param>
    public static async Task RunAsync(Socket socket, ImapSessionOptions options, IImapAuthenticator authenticator, ServerOptionsSelectionCallback? tls,
        bool implicitTls, CancellationToken cancellationToken, IPEndPoint? remote = null)
    {
        if (implicitTls && tls is null)
        {
            throw new ArgumentException("Implicit TLS needs a certificate.", nameof(tls));
        }

        EnableKeepAlive(socket);
        remote ??= socket.RemoteEndPoint as IPEndPoint;
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
                await ssl.AuthenticateAsServerAsync(tls!, null, handshake.Token);
                stream = ssl;
            }

            var connection = new ImapConnection(stream, options, authenticator, new ImapClientInfo(remote, implicitTls),
                implicitTls ? null : tls)
            {
                ContinuationSent = () => Listeners.TcpQuickAck.Request(socket),
            };
            await connection.RunAsync(cancellationToken);
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
}
