namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

public enum ImapSortKey
{
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

public readonly record struct ImapSortCriterion(ImapSortKey Key, bool Reverse);

/// <remarks>
/// <code>
/// sort           = ["UID" SP] "SORT" SP sort-criteria SP search-charset 1*(SP search-key)   ; RFC 5256
/// sort-criteria  = "(" sort-criterion *(SP sort-criterion) ")"
/// sort-criterion = ["REVERSE" SP] sort-key
/// sort-key       = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"
///                / "DISPLAYFROM" / "DISPLAYTO"                                             ; RFC 5957
/// </code>
/// </remarks>
public sealed record ImapSortCommand(string Tag, bool Uid, IReadOnlyList<ImapSortCriterion> Criteria, string Charset, ImapSearchKey Key) : ImapCommand(Tag)
{
    public override string Name => "SORT";

    internal static ImapSortCommand Parse(ImapTokenizer t, string tag, bool uid)
    {
        t.ExpectSpace();
        t.Expect(ImapBytes.OpenParen, "'(' starting sort criteria");
        var criteria = new List<ImapSortCriterion>();
        do
        {
            var reverse = false;
            var name = t.ReadKeyword("a sort key");
            if (name == "REVERSE")
            {
                reverse = true;
                t.ExpectSpace();
                name = t.ReadKeyword("a sort key");
            }

            var key = name switch
            {
                "ARRIVAL" => ImapSortKey.Arrival,
                "CC" => ImapSortKey.Cc,
                "DATE" => ImapSortKey.Date,
                "FROM" => ImapSortKey.From,
                "SIZE" => ImapSortKey.Size,
                "SUBJECT" => ImapSortKey.Subject,
                "TO" => ImapSortKey.To,
                "DISPLAYFROM" => ImapSortKey.DisplayFrom,
                "DISPLAYTO" => ImapSortKey.DisplayTo,
                _ => throw new ImapParseException("Unknown sort key " + name + "."),
            };
            criteria.Add(new ImapSortCriterion(key, reverse));
        }
        while (t.TryConsume(ImapBytes.Space));

        t.Expect(ImapBytes.CloseParen, "')' closing sort criteria");
        t.ExpectSpace();
        var charset = t.ReadAString("a charset");
        t.ExpectSpace();
        var searchKey = ImapSearchParser.ParseProgram(t, charset);
        return new ImapSortCommand(tag, uid, criteria, charset, searchKey);
    }
}
