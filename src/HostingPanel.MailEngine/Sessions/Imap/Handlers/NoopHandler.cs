using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>NOOP and CHECK: report what changed in the selected folder.</summary>
internal static class NoopHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        await session.SyncSelectedAsync(allowExpunge: true, cancellationToken);
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, command.Name + " completed.");
    }
}
