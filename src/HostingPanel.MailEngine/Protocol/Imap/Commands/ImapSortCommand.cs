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
/// sort           = ["UID" SP] "SORT" [SP sort-return-opts] SP sort-criteria SP search-charset 1*(SP search-key)   ; RFC 5256, 5267
/// sort-return-opts = "RETURN" SP "(" [sort-return-opt *(SP sort-return-opt)] ")"   ; ESORT: MIN MAX ALL COUNT
/// sort-criteria  = "(" sort-criterion *(SP sort-criterion) ")"
/// sort-criterion = ["REVERSE" SP] sort-key
/// sort-key       = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"
///                / "DISPLAYFROM" / "DISPLAYTO"                                             ; RFC 5957
/// </code>
/// </remarks>
/// <see cref="IsExtended"/> (RETURN given, RFC 5267 ESORT): the answer is an ESEARCH in sort order.
public sealed record ImapSortCommand(string Tag, bool Uid, IReadOnlyList<ImapSortCriterion> Criteria, string Charset, ImapSearchKey Key,
    ImapSearchReturn Return = ImapSearchReturn.None, bool IsExtended = false) : ImapCommand(Tag)
{
    public override string Name => "SORT";

    internal static ImapSortCommand Parse(ImapTokenizer t, string tag, bool uid)
    {
        t.ExpectSpace();
        var returns = ImapSearchReturn.None;
        var extended = t.TryConsumeKeyword("RETURN");
        if (extended)
        {
            t.ExpectSpace();
            t.Expect(ImapBytes.OpenParen, "'(' starting sort return options");
            if (!t.TryConsume(ImapBytes.CloseParen))
            {
                do
                {
                    returns |= t.ReadKeyword("a sort return option") switch
                    {
                        "MIN" => ImapSearchReturn.Min,
                        "MAX" => ImapSearchReturn.Max,
                        "ALL" => ImapSearchReturn.All,
                        "COUNT" => ImapSearchReturn.Count,
                        var other => throw new ImapParseException("Unknown sort return option " + other + "."),
                    };
                }
                while (t.TryConsume(ImapBytes.Space));

                t.Expect(ImapBytes.CloseParen, "')' closing sort return options");
            }

            // RFC 5267 3.2 with RFC 4731 3.1: RETURN () means RETURN (ALL).
            returns = returns == ImapSearchReturn.None ? ImapSearchReturn.All : returns;
            t.ExpectSpace();
        }

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
        return new ImapSortCommand(tag, uid, criteria, charset, searchKey, returns, extended);
    }
}
