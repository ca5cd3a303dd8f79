using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>SORT and UID SORT (RFC 5256).</summary>
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
        w.Untagged().Atom("SORT");
        foreach (var m in ImapSorter.Sort(matches, sort.Criteria))
        {
            w.Space().Number((ulong)(sort.Uid ? m.Uid : m.SequenceNumber));
        }

        w.EndLine();
        await session.SyncSelectedAsync(allowExpunge: sort.Uid, cancellationToken);
        w.Tagged(command.Tag, ImapStatus.Ok, "SORT completed.");
    }
}
