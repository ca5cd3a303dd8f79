namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks>
/// <code>
/// create        = "CREATE" SP mailbox [create-params]            ; RFC 4466
/// create-params = SP "(" create-param *(SP create-param) ")"
/// create-param  = "USE" SP "(" [use-attr *(SP use-attr)] ")"     ; RFC 6154 CREATE-SPECIAL-USE
/// use-attr      = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" / "\Sent" / "\Trash" / use-attr-ext
/// </code>
/// </remarks>
public sealed record ImapCreateCommand(string Tag, string Mailbox, IReadOnlyList<string> SpecialUse) : ImapCommand(Tag)
{
    public override string Name => "CREATE";

    internal static ImapCreateCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var mailbox = ImapMailbox.Read(t);
        var uses = new List<string>();
        if (t.TryConsume(ImapBytes.Space))
        {
            t.Expect(ImapBytes.OpenParen, "'(' starting CREATE parameters");
            do
            {
                if (!t.TryConsumeKeyword("USE"))
                {
                    throw new ImapParseException("Unknown CREATE parameter.");
                }

                t.ExpectSpace();
                t.Expect(ImapBytes.OpenParen, "'(' starting USE attributes");
                if (!t.TryConsume(ImapBytes.CloseParen))
                {
                    do
                    {
                        t.Expect(ImapBytes.Backslash, "a special-use attribute");
                        uses.Add(ImapSpecialUse.Normalize("\\" + t.ReadAtom("a special-use attribute")));
                    }
                    while (t.TryConsume(ImapBytes.Space));

                    t.Expect(ImapBytes.CloseParen, "')' closing USE attributes");
                }
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing CREATE parameters");
        }

        t.ExpectEnd();
        return new ImapCreateCommand(tag, mailbox, uses);
    }
}

/// <summary>RFC 6154 special-use attributes.</summary>
public static class ImapSpecialUse
{
    public const string All = "\\All";
    public const string Archive = "\\Archive";
    public const string Drafts = "\\Drafts";
    public const string Flagged = "\\Flagged";
    public const string Junk = "\\Junk";
    public const string Sent = "\\Sent";
    public const string Trash = "\\Trash";

    public static IReadOnlyList<string> Known { get; } = [All, Archive, Drafts, Flagged, Junk, Sent, Trash];

    public static string Normalize(string attribute) =>
        Known.FirstOrDefault(k => string.Equals(k, attribute, StringComparison.OrdinalIgnoreCase)) ?? attribute;

    public static bool IsKnown(string attribute) => Known.Contains(attribute);
}
