using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>RENAME (RFC 9051 6.3.6).</summary>
internal static class RenameHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var rename = (ImapRenameCommand)command;
        if (!session.TryMailboxName(command.Tag, rename.From, out var from) || !session.TryMailboxName(command.Tag, rename.To, out var to))
        {
            return;
        }

        if (to == ImapMailboxName.Inbox)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "A mailbox cannot become INBOX.", ImapResponseCode.AlreadyExists);
            return;
        }

        var result = await session.Account!.RenameFolderAsync(from, to, cancellationToken);
        if (!result.Success)
        {
            session.WriteStoreError(command.Tag, result, "Cannot rename mailbox.");
            return;
        }

        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "RENAME completed.");
    }
}
