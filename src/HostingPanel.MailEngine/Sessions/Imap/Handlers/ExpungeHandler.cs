using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>EXPUNGE and UID EXPUNGE (RFC 4315).</summary>
internal static class ExpungeHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var expunge = (ImapExpungeCommand)command;
        var mailbox = session.Selected!;
        if (mailbox.ReadOnly)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "Mailbox is read-only.", ImapResponseCode.ReadOnly);
            return;
        }

        IReadOnlyList<uint>? uids = null;
        if (expunge.Uids is { } set)
        {
            uids = mailbox.Resolve(set, uid: true).Select(s => mailbox.BySequence(s).Uid).ToList();
        }

        await mailbox.Folder.ExpungeAsync(uids, cancellationToken);
        await session.SyncSelectedAsync(allowExpunge: true, cancellationToken);
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "EXPUNGE completed.", session.CondStoreEnabled ? ImapResponseCode.HighestModSeq(mailbox.HighestModSeq) : null);
    }
}
