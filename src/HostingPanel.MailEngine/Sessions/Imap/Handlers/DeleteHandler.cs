using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>DELETE (RFC 9051 6.3.5): INBOX never.</summary>
internal static class DeleteHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        if (!session.TryMailboxName(command.Tag, ((ImapMailboxCommand)command).Mailbox, out var name))
        {
            return;
        }

        if (name == ImapMailboxName.Inbox)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "INBOX cannot be deleted.", ImapResponseCode.Cannot);
            return;
        }

        if (session.Selected?.Name == name)
        {
            await session.DeselectAsync();
        }

        var result = await session.Account!.DeleteFolderAsync(name, cancellationToken);
        if (!result.Success)
        {
            session.WriteStoreError(command.Tag, result, "Cannot delete mailbox.");
            return;
        }

        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "DELETE completed.");
    }
}
