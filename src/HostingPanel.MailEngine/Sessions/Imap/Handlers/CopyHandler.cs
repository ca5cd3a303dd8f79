using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>COPY and MOVE (RFC 6851), UID variants, with COPYUID (RFC 4315), TRYCREATE and OVERQUOTA.</summary>
internal static class CopyHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var copy = (ImapCopyCommand)command;
        var mailbox = session.Selected!;
        var w = session.Writer;
        if (!copy.Uid && mailbox.IsOutOfRange(copy.Set))
        {
            w.Tagged(command.Tag, ImapStatus.Bad, "Invalid message sequence number.");
            return;
        }

        if (!session.TryMailboxName(command.Tag, copy.Mailbox, out var destination))
        {
            return;
        }

        if (copy.IsMove && mailbox.ReadOnly)
        {
            w.Tagged(command.Tag, ImapStatus.No, "Mailbox is read-only.", ImapResponseCode.ReadOnly);
            return;
        }

        var uids = mailbox.Resolve(copy.Set, copy.Uid).Select(s => mailbox.BySequence(s).Uid).ToList();
        if (uids.Count == 0)
        {
            w.Tagged(command.Tag, ImapStatus.Ok, "Nothing to " + command.Name + ".");
            return;
        }

        var result = await mailbox.Folder.CopyToAsync(uids, destination, copy.IsMove, cancellationToken);
        if (!result.Result.Success)
        {
            if (result.Result.Error == ImapStoreError.NonExistent)
            {
                w.Tagged(command.Tag, ImapStatus.No, "No such mailbox.", ImapResponseCode.TryCreate);
                return;
            }

            session.WriteStoreError(command.Tag, result.Result, command.Name + " failed.");
            return;
        }

        var copyUid = ImapResponseCode.CopyUid(result.UidValidity, result.SourceUids, result.DestinationUids);
        if (copy.IsMove)
        {
            // RFC 6851 section 4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
            w.UntaggedStatus(ImapStatus.Ok, "Moved.", copyUid);
            await session.SyncSelectedAsync(allowExpunge: true, cancellationToken);
            w.Tagged(command.Tag, ImapStatus.Ok, "MOVE completed.");
            return;
        }

        await session.SyncSelectedAsync(allowExpunge: copy.Uid, cancellationToken);
        w.Tagged(command.Tag, ImapStatus.Ok, "COPY completed.", copyUid);
    }
}
