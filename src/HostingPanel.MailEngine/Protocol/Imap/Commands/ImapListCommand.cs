namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

[Flags]
public enum ImapListSelection
{
    None = 0,
    Subscribed = 1,
    Remote = 2,
    RecursiveMatch = 4,
    SpecialUse = 8,
}

[Flags]
public enum ImapListReturn
{
    None = 0,
    Subscribed = 1,
    Children = 2,
    SpecialUse = 4,
    Status = 8,
}

/// <summary>LIST (with RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE) and LSUB.</summary>
/// <remarks>
/// <code>
/// list              = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
/// lsub              = "LSUB" SP mailbox SP list-mailbox
/// list-select-opts  = "(" [list-select-option *(SP list-select-option)] ")"
/// list-select-option = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH" / "SPECIAL-USE"
/// mbox-or-pat       = list-mailbox / patterns
/// patterns          = "(" list-mailbox *(SP list-mailbox) ")"
/// list-mailbox      = 1*list-char / string
/// list-return-opts  = "RETURN" SP "(" [return-option *(SP return-option)] ")"
/// return-option     = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE" / "STATUS" SP "(" status-att *(SP status-att) ")"
/// </code>
/// </remarks>
public sealed record ImapListCommand(
    string Tag,
    bool IsLsub,
    string Reference,
    IReadOnlyList<string> Patterns,
    ImapListSelection Selection,
    ImapListReturn Return,
    IReadOnlyList<ImapStatusItem> StatusItems) : ImapCommand(Tag)
{
    public override string Name => IsLsub ? "LSUB" : "LIST";

    /// <summary>True when any RFC 5258 syntax was used: the reply then follows the extended rules.</summary>
    public bool IsExtended { get; init; }

    internal static ImapListCommand Parse(ImapTokenizer t, string tag, bool lsub)
    {
        t.ExpectSpace();
        var selection = ImapListSelection.None;
        var extended = false;
        if (!lsub && t.TryConsume(ImapBytes.OpenParen))
        {
            extended = true;
            if (!t.TryConsume(ImapBytes.CloseParen))
            {
                do
                {
                    selection |= t.ReadKeyword("a LIST selection option") switch
                    {
                        "SUBSCRIBED" => ImapListSelection.Subscribed,
                        "REMOTE" => ImapListSelection.Remote,
                        "RECURSIVEMATCH" => ImapListSelection.RecursiveMatch,
                        "SPECIAL-USE" => ImapListSelection.SpecialUse,
                        var other => throw new ImapParseException("Unknown LIST selection option " + other + "."),
                    };
                }
                while (t.TryConsume(ImapBytes.Space));

                t.Expect(ImapBytes.CloseParen, "')' closing LIST selection options");
            }

            // RFC 5258 section 3.1: RECURSIVEMATCH alone would be meaningless.
            if (selection.HasFlag(ImapListSelection.RecursiveMatch) && (selection & ~(ImapListSelection.RecursiveMatch | ImapListSelection.Remote)) == 0)
            {
                throw new ImapParseException("RECURSIVEMATCH needs another selection option.");
            }

            t.ExpectSpace();
        }

        var reference = t.ReadAString("a reference name");
        t.ExpectSpace();
        var patterns = new List<string>();
        if (!lsub && t.TryConsume(ImapBytes.OpenParen))
        {
            extended = true;
            do
            {
                patterns.Add(ReadListMailbox(t));
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing patterns");
        }
        else
        {
            patterns.Add(ReadListMailbox(t));
        }

        var returns = ImapListReturn.None;
        IReadOnlyList<ImapStatusItem> statusItems = [];
        if (!lsub && t.TryConsume(ImapBytes.Space))
        {
            extended = true;
            if (!t.TryConsumeKeyword("RETURN"))
            {
                throw new ImapParseException("Expected RETURN.");
            }

            t.ExpectSpace();
            t.Expect(ImapBytes.OpenParen, "'(' starting LIST return options");
            if (!t.TryConsume(ImapBytes.CloseParen))
            {
                do
                {
                    var option = t.ReadKeyword("a LIST return option");
                    switch (option)
                    {
                        case "SUBSCRIBED":
                            returns |= ImapListReturn.Subscribed;
                            break;
                        case "CHILDREN":
                            returns |= ImapListReturn.Children;
                            break;
                        case "SPECIAL-USE":
                            returns |= ImapListReturn.SpecialUse;
                            break;
                        case "STATUS":
                            t.ExpectSpace();
                            returns |= ImapListReturn.Status;
                            statusItems = ImapStatusCommand.ParseItems(t);
                            break;
                        default:
                            throw new ImapParseException("Unknown LIST return option " + option + ".");
                    }
                }
                while (t.TryConsume(ImapBytes.Space));

                t.Expect(ImapBytes.CloseParen, "')' closing LIST return options");
            }
        }

        t.ExpectEnd();
        return new ImapListCommand(tag, lsub, reference, patterns, selection, returns, statusItems) { IsExtended = extended };
    }

    private static string ReadListMailbox(ImapTokenizer t)
    {
        var b = t.Peek();
        if (b == ImapBytes.DoubleQuote || b == ImapBytes.OpenBrace)
        {
            return t.ReadString("a mailbox pattern");
        }

        return System.Text.Encoding.ASCII.GetString(t.ReadWhile(ImapBytes.IsListChar, "a mailbox pattern"));
    }
}
