using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>
/// SEARCH and UID SEARCH, with ESEARCH (RFC 4731), SEARCHRES (RFC 5182), CONDSTORE's MODSEQ and
/// CONTEXT=SEARCH's UPDATE and PARTIAL (RFC 5267 section 4).
/// </summary>
/// <remarks>IMAP4rev2 sessions always get ESEARCH (RFC 9051 removed the SEARCH response).</remarks>
internal static class SearchHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var search = (ImapSearchCommand)command;
        var mailbox = session.Selected!;
        if (search.Return.HasFlag(ImapSearchReturn.Update) && mailbox.SearchUpdates.Contains(command.Tag))
        {
            // CANCELUPDATE names a live search by its tag, so two may not share one.
            session.Writer.Tagged(command.Tag, ImapStatus.Bad, "Duplicate search update tag.");
            return;
        }

        var matches = await ImapSearchMessage.FilterAsync(mailbox, search.Key, ImapSearchMessage.Context(mailbox, session),
            ImapSearchMessage.Need(search.Key), keepHeaders: false, cancellationToken);
        var numbers = matches.Select(m => search.Uid ? m.Uid : m.SequenceNumber).ToList();
        var usesModSeq = ImapSearchMessage.UsesModSeq(search.Key);
        if (usesModSeq)
        {
            session.EnableCondStore();
        }

        var returns = search.Return;
        if (returns.HasFlag(ImapSearchReturn.Save))
        {
            mailbox.SavedSearch = matches.Select(m => m.Uid).ToHashSet();
        }

        var w = session.Writer;
        if (search.IsExtended || session.Rev2Enabled)
        {
            if (!search.IsExtended)
            {
                returns = ImapSearchReturn.All;
            }

            var modSeq = usesModSeq ? ExtendedModSeq(matches, returns) : null;

            if (returns != ImapSearchReturn.Save)
            {
                w.Untagged().Raw("ESEARCH (TAG "u8).String(command.Tag).CloseList();
                if (search.Uid)
                {
                    w.Raw(" UID"u8);
                }

                if (numbers.Count > 0 && returns.HasFlag(ImapSearchReturn.Min))
                {
                    w.Raw(" MIN "u8).Number((ulong)numbers.Min());
                }

                if (numbers.Count > 0 && returns.HasFlag(ImapSearchReturn.Max))
                {
                    w.Raw(" MAX "u8).Number((ulong)numbers.Max());
                }

                if (numbers.Count > 0 && returns.HasFlag(ImapSearchReturn.All))
                {
                    w.Raw(" ALL "u8).Atom(ImapSequenceSetFormatter.Format(numbers));
                }

                if (search.Partial is { } partial)
                {
                    WritePartial(w, partial, numbers);
                }

                if (returns.HasFlag(ImapSearchReturn.Count))
                {
                    w.Raw(" COUNT "u8).Number((ulong)numbers.Count);
                }

                if (modSeq is { } highest)
                {
                    w.Raw(" MODSEQ "u8).Number(highest);
                }

                w.EndLine();
            }
        }
        else
        {
            var modSeq = usesModSeq && matches.Count > 0 ? matches.Max(m => m.ModSeq) : (ulong?)null;
            w.Untagged().Atom("SEARCH");
            foreach (var n in numbers)
            {
                w.Space().Number((ulong)n);
            }

            if (modSeq is { } highest)
            {
                w.Raw(" (MODSEQ "u8).Number(highest).CloseList();
            }

            w.EndLine();
        }

        if (returns.HasFlag(ImapSearchReturn.Update))
        {
            StartUpdates(session, search, matches);
        }

        await session.SyncSelectedAsync(allowExpunge: search.Uid, cancellationToken);
        w.Tagged(command.Tag, ImapStatus.Ok, "SEARCH completed.");
    }

    /// <summary>
    /// RFC 5267 section 4.4: <c>PARTIAL (first:last set)</c>, the matches at those positions of the result
    /// (ascending), or NIL when none is there.
    /// </summary>
    private static void WritePartial(ImapResponseWriter w, ImapPartialRange partial, List<uint> numbers)
    {
        w.Raw(" PARTIAL ("u8).Atom(partial.ToString()).Space();
        var skip = (long)partial.First - 1;
        var take = (long)partial.Last - partial.First + 1;
        if (skip >= numbers.Count)
        {
            w.Nil();
        }
        else
        {
            w.Atom(ImapSequenceSetFormatter.Format(numbers.Skip((int)skip).Take((int)Math.Min(take, numbers.Count - skip))));
        }

        w.CloseList();
    }

    /// <summary>RFC 5267 section 4.3: the result stays live until CANCELUPDATE or the mailbox is closed.</summary>
    private static void StartUpdates(ImapSession session, ImapSearchCommand search, List<IImapSearchMessage> matches)
    {
        var mailbox = session.Selected!;
        if (mailbox.SearchUpdates.IsFull)
        {
            session.Writer.UntaggedStatus(ImapStatus.No, "Too many live searches; this one is not updated.",
                "NOUPDATE \"" + search.Tag + "\"");
            return;
        }

        mailbox.SearchUpdates.Add(new ImapSearchUpdate(search.Tag, search.Uid, ImapSearchUpdates.Freeze(search.Key, mailbox),
            matches.Select(m => m.Uid).ToHashSet(), mailbox.Version));
    }

    /// <summary>
    /// RFC 7162 3.1.5 with RFC 4731: the MODSEQ of an ESEARCH is the highest of the messages it reports:
    /// with ALL or COUNT every match, with only MIN and/or MAX just those one or two.
    /// </summary>
    private static ulong? ExtendedModSeq(List<IImapSearchMessage> matches, ImapSearchReturn returns)
    {
        if (matches.Count == 0)
        {
            return null;
        }

        if (returns.HasFlag(ImapSearchReturn.All) || returns.HasFlag(ImapSearchReturn.Count)
            || !(returns.HasFlag(ImapSearchReturn.Min) || returns.HasFlag(ImapSearchReturn.Max)))
        {
            return matches.Max(m => m.ModSeq);
        }

        // Matches are in sequence (and so UID) order: MIN is the first, MAX the last.
        ulong highest = 0;
        if (returns.HasFlag(ImapSearchReturn.Min))
        {
            highest = Math.Max(highest, matches[0].ModSeq);
        }

        if (returns.HasFlag(ImapSearchReturn.Max))
        {
            highest = Math.Max(highest, matches[^1].ModSeq);
        }

        return highest;
    }
}
