using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>SELECT and EXAMINE (RFC 9051 6.3.2-3) with CONDSTORE and QRESYNC (RFC 7162).</summary>
internal static class SelectHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var select = (ImapSelectCommand)command;
        var account = session.Account!;
        var hadSelection = session.Selected is not null;
        await session.DeselectAsync();
        if (hadSelection && session.QresyncEnabled)
        {
            // RFC 7162 section 3.2.11: tells the client the old mailbox is closed.
            session.Writer.UntaggedStatus(ImapStatus.Ok, "Previous mailbox closed.", ImapResponseCode.Closed);
        }

        if (!session.TryMailboxName(command.Tag, select.Mailbox, out var name))
        {
            return;
        }

        if (select.Qresync is not null && !session.QresyncEnabled)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.Bad, "QRESYNC must be enabled first.");
            return;
        }

        if (select.CondStore)
        {
            session.CondStoreEnabled = true;
        }

        var folder = await account.OpenFolderAsync(name, cancellationToken);
        if (folder is null)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "No such mailbox.", ImapResponseCode.NonExistent);
            return;
        }

        var mailbox = await ImapSelectedMailbox.OpenAsync(folder, select.ReadOnly, cancellationToken, showRecent: !session.Rev2Enabled);
        session.State = new ImapSelectedState(account, mailbox);
        var w = session.Writer;
        var flags = mailbox.FlagList;
        w.Untagged().Number((ulong)mailbox.Count).Raw(" EXISTS"u8).EndLine();
        if (!session.Rev2Enabled)
        {
            w.Untagged().Number((ulong)mailbox.RecentCount).Raw(" RECENT"u8).EndLine();
        }

        w.Untagged().Atom("FLAGS").Space().AtomList(flags).EndLine();
        w.UntaggedStatus(ImapStatus.Ok, select.ReadOnly ? "No permanent flags." : "Flags permitted.", ImapResponseCode.PermanentFlags(select.ReadOnly ? [] : flags, !select.ReadOnly));
        for (var i = 0; i < mailbox.Messages.Count; i++)
        {
            if (!mailbox.Messages[i].Flags.Contains(ImapFlags.Seen))
            {
                if (!session.Rev2Enabled)
                {
                    w.UntaggedStatus(ImapStatus.Ok, "First unseen.", ImapResponseCode.Unseen((uint)i + 1));
                }

                break;
            }
        }

        w.UntaggedStatus(ImapStatus.Ok, "UIDs valid.", ImapResponseCode.UidValidity(mailbox.UidValidity));
        w.UntaggedStatus(ImapStatus.Ok, "Predicted next UID.", ImapResponseCode.UidNext(mailbox.UidNext));
        if (session.CondStoreEnabled)
        {
            w.UntaggedStatus(ImapStatus.Ok, "Highest.", ImapResponseCode.HighestModSeq(mailbox.HighestModSeq));
        }

        if (select.Qresync is { } q && q.UidValidity == mailbox.UidValidity)
        {
            WriteQresync(session, mailbox, q);
        }

        w.Tagged(command.Tag, ImapStatus.Ok, command.Name + " completed.", select.ReadOnly ? ImapResponseCode.ReadOnly : ImapResponseCode.ReadWrite);
    }

    /// <summary>
    /// RFC 7162 section 3.2.5.1: VANISHED (EARLIER) for known UIDs that are gone, then FETCH for messages
    /// changed since the client's mod-sequence. Expunged UIDs are not remembered by the store, so every
    /// known UID that is absent is reported (allowed: the client ignores ones it never had).
    /// </summary>
    private static void WriteQresync(ImapSession session, ImapSelectedMailbox mailbox, ImapQresyncParameters q)
    {
        var w = session.Writer;
        if (q.KnownUids is { } known)
        {
            var largest = Math.Max(mailbox.LargestUid, mailbox.UidNext - 1);
            var present = new HashSet<uint>(mailbox.Messages.Select(m => m.Uid));
            var gone = known.Expand(largest).Where(uid => !present.Contains(uid)).ToList();
            if (gone.Count > 0)
            {
                w.Untagged().Raw("VANISHED (EARLIER) "u8).Atom(ImapSequenceSetFormatter.Format(gone)).EndLine();
            }
        }

        for (var i = 0; i < mailbox.Messages.Count; i++)
        {
            var meta = mailbox.Messages[i];
            if (meta.ModSeq > q.ModSeq && (q.KnownUids is null || q.KnownUids.Contains(meta.Uid, mailbox.LargestUid)))
            {
                w.Untagged().Number((ulong)(i + 1)).Raw(" FETCH (UID "u8).Number((ulong)meta.Uid).Raw(" FLAGS "u8).AtomList(mailbox.FlagsOf(meta))
                    .Raw(" MODSEQ ("u8).Number(meta.ModSeq).Raw("))"u8).EndLine();
            }
        }
    }
}
