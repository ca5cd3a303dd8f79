using System.Collections.Frozen;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>
/// What SEARCH, SORT and THREAD read of a message's header, extracted once: the decoded values of the
/// fields clients search (folded, see <see cref="ImapSearchFold"/>), the sent date, the sort keys of
/// RFC 5256/5957 and the threading ids. A few hundred bytes, so a store can keep one per message of a
/// folder in memory and answer those commands without reading or parsing a header again (the role of
/// Dovecot's index and cache files). Immutable: a message's header never changes.
/// </summary>
public sealed class ImapHeaderSummary
{
    /// <summary>References kept per message.</summary>
    /// <remarks>
    /// Note: RFC 5256 sets no bound; the last 256 ids keep every real thread intact while a hostile
    /// header of thousands of ids cannot build a chain of thousands of dummies.
    /// </remarks>
    private const int MaxReferences = 256;

    // The header fields a SEARCH key is answered on from the summary: the address fields and SUBJECT of
    // RFC 9051's search keys, and the ids clients look messages up by. Others read the header block.
    private static readonly string[] SearchableFields = ["From", "To", "Cc", "Bcc", "Subject", "Message-ID", "In-Reply-To", "Sender", "Reply-To"];

    // Any spelling → the one instance above: a hash lookup per key and message, then reference compares.
    private static readonly FrozenDictionary<string, string> CanonicalNames =
        SearchableFields.ToFrozenDictionary(f => f, f => f, StringComparer.OrdinalIgnoreCase);

    private readonly string[] _fields;
    private readonly string[] _foldedValues;
    private string? _baseSubject;

    private ImapHeaderSummary(string[] fields, string[] foldedValues)
    {
        _fields = fields;
        _foldedValues = foldedValues;
    }

    /// <summary>The Date: header, or null when missing or unparsable (callers fall back to the internal date).</summary>
    public DateTimeOffset? SentDate { get; private init; }

    /// <summary>The decoded Subject:, as THREAD ORDEREDSUBJECT reads it.</summary>
    public string? Subject { get; private init; }

    /// <summary>The RFC 5256 base subject (SORT SUBJECT), folded, computed on first use.</summary>
    /// <remarks>Sort keys are folded like search strings (i;unicode-casemap-like) and compared ordinally.</remarks>
    public string BaseSubject => _baseSubject ??= ImapSearchFold.Fold(ImapBaseSubject.Extract(Subject));

    /// <summary>SORT FROM/TO/CC: the local part of the first address ("" when none), folded.</summary>
    public string FromMailbox { get; private init; } = string.Empty;

    public string ToMailbox { get; private init; } = string.Empty;

    public string CcMailbox { get; private init; } = string.Empty;

    /// <summary>SORT DISPLAYFROM/DISPLAYTO (RFC 5957): the display name of the first address, else the address; folded.</summary>
    public string DisplayFrom { get; private init; } = string.Empty;

    public string DisplayTo { get; private init; } = string.Empty;

    /// <summary>The first id of Message-ID:, for THREAD REFERENCES.</summary>
    public string? MessageId { get; private init; }

    /// <summary>References: ids (at most the last 256), or the first id of In-Reply-To: when there are none.</summary>
    public IReadOnlyList<string> References { get; private init; } = [];

    /// <summary>About how much memory the summary holds, for a cache's budget.</summary>
    public int EstimatedBytes { get; private init; }

    /// <summary>True when a SEARCH HEADER key (or FROM, SUBJECT, ...) on <paramref name="field"/> can be answered by <see cref="MatchHeader"/>.</summary>
    public static bool Covers(string field) => Canonical(field) is not null;

    /// <summary>
    /// The HEADER key on a covered field: any occurrence whose decoded value contains the folded needle,
    /// or, for an empty needle, any occurrence at all. Null when the field is not covered.
    /// </summary>
    public bool? MatchHeader(string field, string foldedNeedle)
    {
        var canonical = Canonical(field);
        if (canonical is null)
        {
            return null;
        }

        for (var i = 0; i < _fields.Length; i++)
        {
            // Canonical names are the same instances, so a reference check finds the field.
            if (ReferenceEquals(_fields[i], canonical) && (foldedNeedle.Length == 0 || ImapSearchFold.Contains(_foldedValues[i], foldedNeedle)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The summary of a header block (the message's bytes up to and including the blank line, or the whole message).</summary>
    public static ImapHeaderSummary Parse(ReadOnlyMemory<byte> raw) => From(ImapHeaderBlock.Headers(raw));

    public static ImapHeaderSummary From(HeaderList headers)
    {
        var fields = new List<string>();
        var values = new List<string>();
        var bytes = 200;
        foreach (var header in headers)
        {
            if (Canonical(header.Field) is { } canonical)
            {
                var folded = ImapSearchFold.Fold(SearchText(header, canonical));
                fields.Add(canonical);
                values.Add(folded);
                bytes += 32 + (2 * folded.Length);
            }
        }

        var references = Ids(headers[HeaderId.References]);
        if (references.Count == 0)
        {
            // RFC 5256: without References, the first message-id of In-Reply-To.
            references = Ids(headers[HeaderId.InReplyTo]).Take(1).ToList();
        }

        var from = ImapMessageFields.FirstAddress(headers, HeaderId.From);
        var to = ImapMessageFields.FirstAddress(headers, HeaderId.To);
        var subject = headers[HeaderId.Subject];
        var fromMailbox = ImapSearchFold.Fold(SortMailbox(from));
        var toMailbox = ImapSearchFold.Fold(SortMailbox(to));
        var ccMailbox = ImapSearchFold.Fold(SortMailbox(ImapMessageFields.FirstAddress(headers, HeaderId.Cc)));
        var displayFrom = ImapSearchFold.Fold(Display(from));
        var displayTo = ImapSearchFold.Fold(Display(to));
        var messageId = Ids(headers[HeaderId.MessageId]).FirstOrDefault();
        bytes += 2 * ((subject?.Length ?? 0) + fromMailbox.Length + toMailbox.Length + ccMailbox.Length + displayFrom.Length + displayTo.Length
            + (messageId?.Length ?? 0) + references.Sum(r => r.Length + 12));
        return new ImapHeaderSummary([.. fields], [.. values])
        {
            SentDate = ImapMessageFields.SentDate(headers),
            Subject = subject,
            FromMailbox = fromMailbox,
            ToMailbox = toMailbox,
            CcMailbox = ccMailbox,
            DisplayFrom = displayFrom,
            DisplayTo = displayTo,
            MessageId = messageId,
            References = references,
            EstimatedBytes = bytes,
        };
    }

    private static string? Canonical(string field) => CanonicalNames.GetValueOrDefault(field);

    private static readonly string[] AddressFields = ["From", "To", "Cc", "Bcc", "Sender", "Reply-To"];

    /// <summary>
    /// What a SEARCH key matches in a header: for address fields, the parsed addresses written back as
    /// "name &lt;local@domain&gt;" (comments and folding whitespace gone, as Dovecot does), so FROM
    /// user@domain finds <c>&lt;user (comment)@ (comment) domain&gt;</c>; the decoded value otherwise, or when
    /// the field does not parse as addresses.
    /// </summary>
    private static string SearchText(Header header, string canonical)
    {
        var value = header.Value ?? string.Empty;
        if (Array.IndexOf(AddressFields, canonical) < 0)
        {
            return value;
        }

        var raw = header.RawValue;
        if (!InternetAddressList.TryParse(Mime.ImapMessageStructure.ParserOptions, raw, 0, raw.Length, out var list) || list.Count == 0)
        {
            return value;
        }

        var text = new System.Text.StringBuilder();
        AppendAddresses(text, list, 0);
        return text.ToString();
    }

    private static void AppendAddresses(System.Text.StringBuilder text, IEnumerable<InternetAddress> list, int depth)
    {
        foreach (var address in list)
        {
            if (text.Length > 0)
            {
                text.Append(", ");
            }

            switch (address)
            {
                case MailboxAddress mailbox:
                    if (!string.IsNullOrEmpty(mailbox.Name))
                    {
                        text.Append(mailbox.Name).Append(' ');
                    }

                    text.Append('<').Append(mailbox.Address).Append('>');
                    break;
                case GroupAddress group when depth < 8:
                    text.Append(group.Name).Append(": ");
                    AppendAddresses(text, group.Members, depth + 1);
                    text.Append(';');
                    break;
            }
        }
    }

    // RFC 5256 3: the addr-mailbox of the first address; a group's first "address" in the ENVELOPE sense is
    // its start marker, whose addr-mailbox is the group's name (Dovecot sorts it so too).
    private static string SortMailbox(InternetAddress? address) => address switch
    {
        MailboxAddress mailbox => mailbox.LocalPart,
        GroupAddress group => group.Name ?? string.Empty,
        _ => string.Empty,
    };

    // RFC 5957: the display name, else the address; a group displays as its name.
    private static string Display(InternetAddress? address) => address switch
    {
        MailboxAddress mailbox => !string.IsNullOrEmpty(mailbox.Name) ? mailbox.Name : mailbox.Address,
        GroupAddress group => group.Name ?? string.Empty,
        _ => string.Empty,
    };

    private static List<string> Ids(string? value) =>
        value is null ? [] : MimeUtils.EnumerateReferences(value).TakeLast(MaxReferences).ToList();
}
