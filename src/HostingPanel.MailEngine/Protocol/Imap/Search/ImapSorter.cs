using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>SORT (RFC 5256 section 3, RFC 5957 DISPLAYFROM/DISPLAYTO).</summary>
/// <remarks>
/// Address keys compare the addr-mailbox (local part) of the first address; DISPLAY* keys the
/// display name, or the address when there is none. DATE is the Date: header, or the internal date
/// when missing. Strings compare folded (<see cref="ImapSearchFold"/>): case, accents' encoding and
/// compatibility forms aside; the final tie-breaker is the sequence number.
/// </remarks>
public static class ImapSorter
{
    public static IReadOnlyList<IImapSearchMessage> Sort(IEnumerable<IImapSearchMessage> messages, IReadOnlyList<ImapSortCriterion> criteria)
    {
        var onHeaders = criteria.Any(c => c.Key is not (ImapSortKey.Arrival or ImapSortKey.Size));
        var keyed = messages.Select(m =>
        {
            // The header summary once per message (a store's index usually has it already), whatever the number of keys.
            var summary = onHeaders ? SummaryOf(m.GetContent()) : null;
            return new Keyed(m, criteria.Select(c => KeyOf(m, summary, c.Key)).ToArray());
        }).ToList();
        keyed.Sort((a, b) =>
        {
            for (var i = 0; i < criteria.Count; i++)
            {
                var result = CompareKeys(a.Keys[i], b.Keys[i]);
                if (result != 0)
                {
                    return criteria[i].Reverse ? -result : result;
                }
            }

            return a.Message.SequenceNumber.CompareTo(b.Message.SequenceNumber);
        });
        return keyed.Select(k => k.Message).ToList();
    }

    /// <summary>The content's summary, or one made from its header fields.</summary>
    public static ImapHeaderSummary SummaryOf(IImapMessageContent content) => content.Summary ?? ImapHeaderSummary.From(content.Headers);

    private sealed record Keyed(IImapSearchMessage Message, object[] Keys);

    private static int CompareKeys(object a, object b) => (a, b) switch
    {
        (string x, string y) => string.CompareOrdinal(x, y), // folded already
        (long x, long y) => x.CompareTo(y),
        (DateTimeOffset x, DateTimeOffset y) => x.UtcDateTime.CompareTo(y.UtcDateTime),
        _ => 0,
    };

    private static object KeyOf(IImapSearchMessage m, ImapHeaderSummary? summary, ImapSortKey key) => key switch
    {
        ImapSortKey.Arrival => m.InternalDate,
        ImapSortKey.Size => m.Size,
        ImapSortKey.Date => summary!.SentDate ?? m.InternalDate,
        ImapSortKey.Subject => summary!.BaseSubject,
        ImapSortKey.From => summary!.FromMailbox,
        ImapSortKey.To => summary!.ToMailbox,
        ImapSortKey.Cc => summary!.CcMailbox,
        ImapSortKey.DisplayFrom => summary!.DisplayFrom,
        ImapSortKey.DisplayTo => summary!.DisplayTo,
        _ => string.Empty,
    };
}
