namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks>
/// <code>
/// id             = "ID" SP id-params-list         ; RFC 2971
/// id-params-list = "(" *(string SP nstring) ")" / nil
/// </code>
/// RFC 2971 limits a client to 30 pairs, fields to 30 octets and values to 1024: more is a BAD.
/// </remarks>
public sealed record ImapIdCommand(string Tag, IReadOnlyList<KeyValuePair<string, string?>>? Parameters) : ImapCommand(Tag)
{
    private const int MaxPairs = 30;
    private const int MaxFieldLength = 30;
    private const int MaxValueLength = 1024;

    public override string Name => "ID";

    internal static ImapIdCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        if (t.TryConsumeKeyword("NIL"))
        {
            t.ExpectEnd();
            return new ImapIdCommand(tag, null);
        }

        t.Expect(ImapBytes.OpenParen, "'(' or NIL");
        var pairs = new List<KeyValuePair<string, string?>>();
        var first = true;
        while (!t.TryConsume(ImapBytes.CloseParen))
        {
            if (!first)
            {
                t.ExpectSpace();
            }

            first = false;
            var field = t.ReadString("an ID field");
            t.ExpectSpace();
            var value = t.ReadNString("an ID value");
            if (field.Length > MaxFieldLength || value?.Length > MaxValueLength || pairs.Count >= MaxPairs)
            {
                throw new ImapParseException("ID parameters exceed the limits of RFC 2971.");
            }

            pairs.Add(new(field, value));
        }

        t.ExpectEnd();
        return new ImapIdCommand(tag, pairs);
    }
}
