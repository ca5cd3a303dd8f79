using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>STARTTLS (RFC 9051 6.2.1): OK, then the connection negotiates TLS before reading on.</summary>
internal static class StartTlsHandler
{
    public static ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        if (!session.Options.StartTlsAvailable || session.IsSecure)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.Bad, "STARTTLS is not available.");
            return ValueTask.CompletedTask;
        }

        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "Begin TLS negotiation now.");
        session.StartTlsRequested = true;
        return ValueTask.CompletedTask;
    }
}
