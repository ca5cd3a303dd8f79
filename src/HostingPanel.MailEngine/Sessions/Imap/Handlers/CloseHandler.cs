using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>CLOSE (expunges silently unless read-only) and UNSELECT (RFC 3691, never expunges).</summary>
internal static class CloseHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var mailbox = session.Selected!;
        if (command.Name == "CLOSE" && !mailbox.ReadOnly)
        {
            await mailbox.Folder.ExpungeAsync(null, cancellationToken);
        }

        await session.DeselectAsync();
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, command.Name + " completed.");
    }
}
