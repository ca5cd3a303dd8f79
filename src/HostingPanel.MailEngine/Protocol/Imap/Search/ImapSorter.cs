using HostingPanel.MailEngine.Protocol.Imap.Commands;
using MimeKit;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>SORT (RFC 5256 section 3, RFC 5957 DISPLAYFROM/DISPLAYTO).</summary>
/// <remarks>
/// Address keys compare the addr-mailbox (local part) of the first address; DISPLAY* keys the
/// display name, or the address when there is none. DATE is the Date: header, or the internal date
/// when missing. Strings compare case-insensitively; the final tie-breaker is the sequence number.
/// </remarks>
public static class ImapSorter
{
    public static IReadOnlyList<IImapSearchMessage> Sort(IEnumerable<IImapSearchMessage> messages, IReadOnlyList<ImapSortCriterion> criteria)
    {
        var keyed = messages.Select(m => new Keyed(m, criteria.Select(c => KeyOf(m, c.Key)).ToArray())).ToList();
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

    private sealed record Keyed(IImapSearchMessage Message, object[] Keys);

    private static int CompareKeys(object a, object b) => (a, b) switch
    {
        (string x, string y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase),
        (long x, long y) => x.CompareTo(y),
        (DateTimeOffset x, DateTimeOffset y) => x.UtcDateTime.CompareTo(y.UtcDateTime),
        _ => 0,
    };

    private static object KeyOf(IImapSearchMessage m, ImapSortKey key)
    {
        switch (key)
        {
            case ImapSortKey.Arrival:
                return m.InternalDate;
            case ImapSortKey.Size:
                return m.Size;
            case ImapSortKey.Date:
                return ImapMessageFields.SentDate(m.GetContent().Headers) ?? m.InternalDate;
            case ImapSortKey.Subject:
                return ImapBaseSubject.Extract(m.GetContent().Headers[HeaderId.Subject]);
            case ImapSortKey.From:
                return ImapMessageFields.FirstMailbox(m.GetContent().Headers, HeaderId.From)?.LocalPart ?? string.Empty;
            case ImapSortKey.To:
                return ImapMessageFields.FirstMailbox(m.GetContent().Headers, HeaderId.To)?.LocalPart ?? string.Empty;
            case ImapSortKey.Cc:
                return ImapMessageFields.FirstMailbox(m.GetContent().Headers, HeaderId.Cc)?.LocalPart ?? string.Empty;
            case ImapSortKey.DisplayFrom:
                return Display(ImapMessageFields.FirstMailbox(m.GetContent().Headers, HeaderId.From));
            case ImapSortKey.DisplayTo:
                return Display(ImapMessageFields.FirstMailbox(m.GetContent().Headers, HeaderId.To));
            default:
                return string.Empty;
        }
    }

    private static string Display(MailboxAddress? address) =>
        address is null ? string.Empty : !string.IsNullOrEmpty(address.Name) ? address.Name : address.Address;
}
