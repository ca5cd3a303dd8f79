using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Transfer;

/// <summary>Flags and keywords as export files carry them: IMAP names (RFC 9051 section 2.3.2) and Maildir letters.</summary>
public static class TransferFlags
{
    private static readonly (MessageFlags Flag, string Imap, char Maildir)[] Table =
    [
        (MessageFlags.Draft, @"\Draft", 'D'),
        (MessageFlags.Flagged, @"\Flagged", 'F'),
        (MessageFlags.Answered, @"\Answered", 'R'),
        (MessageFlags.Seen, @"\Seen", 'S'),
        (MessageFlags.Deleted, @"\Deleted", 'T'),
    ];

    public static string ToImap(MessageFlags flags, IEnumerable<string> keywords) =>
        string.Join(' ', Table.Where(t => flags.HasFlag(t.Flag)).Select(t => t.Imap).Concat(keywords));

    public static (MessageFlags Flags, List<string> Keywords) FromImap(string text)
    {
        var flags = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var known = Table.FirstOrDefault(t => string.Equals(t.Imap, word, StringComparison.OrdinalIgnoreCase));
            if (known.Imap is not null) flags |= known.Flag;
            // A keyword is an IMAP atom (RFC 9051 flag-keyword); anything else from a file is dropped.
            else if (!word.StartsWith('\\') && word.Length <= 100 && word.All(c => c > ' ' && c < 127 && !"(){%*\"\\]".Contains(c))) keywords.Add(word);
        }
        return (flags, keywords);
    }

    /// <summary>Maildir's info part "2,FS" (letters in ASCII order, as the Maildir spec asks).</summary>
    public static string ToMaildir(MessageFlags flags) =>
        "2," + new string(Table.Where(t => flags.HasFlag(t.Flag)).Select(t => t.Maildir).Order().ToArray());

    public static MessageFlags FromMaildir(string fileName)
    {
        var info = fileName.LastIndexOf(":2,", StringComparison.Ordinal);
        if (info < 0) return MessageFlags.None;
        var flags = MessageFlags.None;
        foreach (var c in fileName[(info + 3)..])
            foreach (var t in Table) if (t.Maildir == c) flags |= t.Flag;
        return flags;
    }
}
