using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>LOGOUT (RFC 9051 6.1.3): untagged BYE, then the tagged OK; the connection closes.</summary>
internal static class LogoutHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        await session.DeselectAsync();
        session.Writer.UntaggedStatus(ImapStatus.Bye, "Logging out.");
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "LOGOUT completed.");
        session.State = new ImapLogoutState();
    }
}
