using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HostingPanel.MailEngine.Sessions.Imap;
using Microsoft.Extensions.Logging.Abstractions;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// An IMAP endpoint outside the engine's host (tests, other stores): the engine's own accept loop
/// (<see cref="MailListener"/>) and connection path (<see cref="ImapConnectionRunner"/>), plain with
/// STARTTLS or implicit TLS. The engine's <see cref="ImapListeners"/> use the same two.
/// </summary>
public sealed class ImapListener : IAsyncDisposable
{
    private readonly MailListener _listener;

    public ImapListener(IPEndPoint endPoint, ImapSessionOptions options, IImapAuthenticator authenticator, X509Certificate2? certificate, bool implicitTls)
    {
        if (implicitTls && certificate is null)
        {
            throw new ArgumentException("Implicit TLS needs a certificate.", nameof(certificate));
        }

        var tls = ImapConnection.Fixed(certificate);
        _listener = new MailListener(implicitTls ? "imaps" : "imap", endPoint,
            (connection, ct) => ImapConnectionRunner.RunAsync(connection.Socket, options, authenticator, tls, implicitTls, ct, connection.RemoteEndPoint), new MailListenerRegistry(), NullLogger.Instance);
    }

    /// <summary>The bound endpoint (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint ?? throw new InvalidOperationException("Not started.");

    public void Start() => _listener.Start();

    public async ValueTask DisposeAsync() => await _listener.StopAsync();
}
