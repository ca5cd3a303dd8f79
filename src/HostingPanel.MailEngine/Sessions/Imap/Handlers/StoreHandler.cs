using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>STORE and UID STORE (RFC 9051 6.4.6) with CONDSTORE UNCHANGEDSINCE (RFC 7162 3.1.3).</summary>
internal static class StoreHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var store = (ImapStoreCommand)command;
        var mailbox = session.Selected!;
        var w = session.Writer;
        if (!store.Uid && mailbox.IsOutOfRange(store.Set))
        {
            w.Tagged(command.Tag, ImapStatus.Bad, "Invalid message sequence number.");
            return;
        }

        if (mailbox.ReadOnly)
        {
            w.Tagged(command.Tag, ImapStatus.No, "Mailbox is read-only.", ImapResponseCode.ReadOnly);
            return;
        }

        if (store.UnchangedSince is not null)
        {
            session.EnableCondStore();
        }

        var sequences = mailbox.Resolve(store.Set, store.Uid);
        var uids = sequences.Select(s => mailbox.BySequence(s).Uid).ToList();
        var result = await mailbox.Folder.StoreFlagsAsync(uids, store.Mode, store.Flags, store.UnchangedSince, cancellationToken);
        // A keyword this STORE made is announced in FLAGS before a FETCH shows it (also when .SILENT: the view has it).
        if (store.Mode != ImapStoreMode.Remove)
        {
            mailbox.AnnounceKeywords(w, store.Flags);
        }

        foreach (var meta in result.Changed)
        {
            // The stored flags may hold a keyword another session set since this one last synced: FLAGS first
            // (RFC 9051 7.3.5), also when .SILENT, since a later FETCH shows the view's flags.
            mailbox.AnnounceKeywords(w, meta.Flags);
            mailbox.Update(meta);
            var sequence = mailbox.SequenceOf(meta.Uid);
            if (sequence == 0 || (store.Silent && !session.CondStoreEnabled))
            {
                continue;
            }

            w.Untagged().Number((ulong)sequence).Raw(" FETCH ("u8);
            var first = true;
            if (!store.Silent)
            {
                w.Raw("FLAGS "u8).AtomList(mailbox.FlagsOf(meta));
                first = false;
            }

            if (store.Uid)
            {
                w.Raw(first ? "UID "u8 : " UID "u8).Number((ulong)meta.Uid);
                first = false;
            }

            if (session.CondStoreEnabled)
            {
                w.Raw(first ? "MODSEQ ("u8 : " MODSEQ ("u8).Number(meta.ModSeq).CloseList();
            }

            w.CloseList().EndLine();
        }

        await session.SyncSelectedAsync(allowExpunge: store.Uid, cancellationToken);
        string? code = null;
        if (result.Modified.Count > 0)
        {
            var numbers = store.Uid ? result.Modified : result.Modified.Select(mailbox.SequenceOf).Where(s => s != 0).ToList();
            code = ImapResponseCode.Modified(numbers);
        }

        w.Tagged(command.Tag, ImapStatus.Ok, code is null ? "STORE completed." : "Some messages were modified.", code);
    }
}
