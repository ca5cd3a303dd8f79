using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>SORT and UID SORT (RFC 5256), with ESORT's RETURN (MIN MAX ALL COUNT) (RFC 5267 3.2).</summary>
internal static class SortHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var sort = (ImapSortCommand)command;
        var mailbox = session.Selected!;
        var sortsOnHeaders = sort.Criteria.Any(c => c.Key is not (ImapSortKey.Arrival or ImapSortKey.Size));
        var need = ImapSearchMessage.Need(sort.Key);
        if (sortsOnHeaders && need == ImapSearchNeed.Metadata)
        {
            need = ImapSearchNeed.Summary;
        }

        var matches = await ImapSearchMessage.FilterAsync(mailbox, sort.Key, ImapSearchMessage.Context(mailbox, session), need, sortsOnHeaders, cancellationToken);
        var w = session.Writer;
        var sorted = ImapSorter.Sort(matches, sort.Criteria).Select(m => sort.Uid ? m.Uid : m.SequenceNumber).ToList();
        if (sort.IsExtended)
        {
            WriteExtended(session, sort, sorted);
        }
        else
        {
            w.Untagged().Atom("SORT");
            foreach (var n in sorted)
            {
                w.Space().Number((ulong)n);
            }

            w.EndLine();
        }

        await session.SyncSelectedAsync(allowExpunge: sort.Uid, cancellationToken);
        w.Tagged(command.Tag, ImapStatus.Ok, "SORT completed.");
    }

    /// <summary>
    /// RFC 5267 3.2: MIN and MAX are the first and last message in sort order, ALL the sorted list as a
    /// sequence set that keeps that order (ranges only where consecutive numbers follow each other).
    /// </summary>
    private static void WriteExtended(ImapSession session, ImapSortCommand sort, List<uint> sorted)
    {
        var w = session.Writer;
        w.Untagged().Raw("ESEARCH (TAG "u8).String(sort.Tag).CloseList();
        if (sort.Uid)
        {
            w.Raw(" UID"u8);
        }

        if (sorted.Count > 0 && sort.Return.HasFlag(ImapSearchReturn.Min))
        {
            w.Raw(" MIN "u8).Number((ulong)sorted[0]);
        }

        if (sorted.Count > 0 && sort.Return.HasFlag(ImapSearchReturn.Max))
        {
            w.Raw(" MAX "u8).Number((ulong)sorted[^1]);
        }

        if (sorted.Count > 0 && sort.Return.HasFlag(ImapSearchReturn.All))
        {
            w.Raw(" ALL "u8).Atom(ImapSequenceSetFormatter.Format(sorted, keepOrder: true));
        }

        if (sort.Return.HasFlag(ImapSearchReturn.Count))
        {
            w.Raw(" COUNT "u8).Number((ulong)sorted.Count);
        }

        w.EndLine();
    }
}
