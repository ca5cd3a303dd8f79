using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>SEARCH and UID SEARCH, with ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and CONDSTORE's MODSEQ.</summary>
/// <remarks>IMAP4rev2 sessions always get ESEARCH (RFC 9051 removed the SEARCH response).</remarks>
internal static class SearchHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var search = (ImapSearchCommand)command;
        var mailbox = session.Selected!;
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

        await session.SyncSelectedAsync(allowExpunge: search.Uid, cancellationToken);
        w.Tagged(command.Tag, ImapStatus.Ok, "SEARCH completed.");
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
