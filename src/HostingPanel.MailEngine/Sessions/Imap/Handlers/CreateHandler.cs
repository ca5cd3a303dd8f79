using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>CREATE (RFC 9051 6.3.4) with USE (RFC 6154 CREATE-SPECIAL-USE). A trailing "/" is dropped.</summary>
internal static class CreateHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var create = (ImapCreateCommand)command;
        var wire = create.Mailbox.EndsWith('/') ? create.Mailbox[..^1] : create.Mailbox;
        if (!session.TryMailboxName(command.Tag, wire, out var name))
        {
            return;
        }

        if (create.SpecialUse.Count > 1 || create.SpecialUse.Any(u => !ImapSpecialUse.IsKnown(u)))
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "Unsupported special use.", "USEATTR");
            return;
        }

        var result = await session.Account!.CreateFolderAsync(name, create.SpecialUse.FirstOrDefault(), cancellationToken);
        if (!result.Success)
        {
            session.WriteStoreError(command.Tag, result, "Cannot create mailbox.");
            return;
        }

        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "CREATE completed.");
    }
}
