namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>One message of an APPEND (several with RFC 3502 MULTIAPPEND).</summary>
/// <param name="IsBinary">Sent as literal8 (RFC 3516): may hold NUL and binary parts.</param>
/// <param name="Catenate">
/// RFC 4469: the message is to be built from these parts (literals and IMAP URLs) instead of <paramref name="Data"/>;
/// the session resolves them and hands the store a message with <paramref name="Data"/> set.
/// </param>
public sealed record ImapAppendMessage(IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, ReadOnlyMemory<byte> Data, bool IsBinary,
    IReadOnlyList<ImapCatenatePart>? Catenate = null);

/// <summary>One part of a CATENATE (RFC 4469 section 5): a literal, or the URL of message data on this server.</summary>
public sealed record ImapCatenatePart(ReadOnlyMemory<byte> Text, bool IsBinary, string? Url);

/// <remarks>
/// <code>
/// append         = "APPEND" SP mailbox 1*append-message           ; RFC 3502
/// append-message = [SP flag-list] [SP date-time] SP append-data
/// append-data    = literal / literal8                              ; literal8 is RFC 3516
/// append-data    =/ "CATENATE" SP "(" cat-part *(SP cat-part) ")"  ; RFC 4469 section 5
/// cat-part       = text-literal / url
/// text-literal   = "TEXT" SP (literal / literal8)
/// url            = "URL" SP astring
/// </code>
/// </remarks>
public sealed record ImapAppendCommand(string Tag, string Mailbox, IReadOnlyList<ImapAppendMessage> Messages) : ImapCommand(Tag)
{
    public override string Name => "APPEND";

    internal static ImapAppendCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var mailbox = ImapMailbox.Read(t);
        var messages = new List<ImapAppendMessage>();
        do
        {
            t.ExpectSpace();
            IReadOnlyList<string> flags = [];
            DateTimeOffset? date = null;
            if (t.Peek() == ImapBytes.OpenParen)
            {
                flags = t.ReadFlagList();
                if (flags.Contains(ImapFlags.Recent))
                {
                    throw new ImapParseException("\\Recent cannot be set by a client.");
                }

                t.ExpectSpace();
            }

            if (t.Peek() == ImapBytes.DoubleQuote)
            {
                date = t.ReadDateTime();
                t.ExpectSpace();
            }

            if (t.TryConsumeKeyword("CATENATE"))
            {
                t.ExpectSpace();
                messages.Add(new ImapAppendMessage(flags, date, ReadOnlyMemory<byte>.Empty, false, ParseCatenate(t)));
                continue;
            }

            var literal = t.ReadLiteral("the message", allowBinary: true);
            messages.Add(new ImapAppendMessage(flags, date, literal.Data, literal.IsBinary));
        }
        while (!t.AtEnd);

        return new ImapAppendCommand(tag, mailbox, messages);
    }

    /// <summary>Parts of one CATENATE, at most <see cref="MaxCatenateParts"/> (each URL costs a message read).</summary>
    private static List<ImapCatenatePart> ParseCatenate(ImapTokenizer t)
    {
        t.Expect(ImapBytes.OpenParen, "'(' starting the CATENATE parts");
        var parts = new List<ImapCatenatePart>();
        do
        {
            if (parts.Count == MaxCatenateParts)
            {
                throw new ImapParseException("Too many CATENATE parts (at most " + MaxCatenateParts + ").");
            }

            var kind = t.ReadKeyword("TEXT or URL");
            t.ExpectSpace();
            switch (kind)
            {
                case "TEXT":
                    var literal = t.ReadLiteral("a CATENATE text part", allowBinary: true);
                    parts.Add(new ImapCatenatePart(literal.Data, literal.IsBinary, null));
                    break;
                case "URL":
                    parts.Add(new ImapCatenatePart(ReadOnlyMemory<byte>.Empty, false, t.ReadAString("a CATENATE URL")));
                    break;
                default:
                    throw new ImapParseException("A CATENATE part is TEXT or URL, not " + kind + ".");
            }
        }
        while (t.TryConsume(ImapBytes.Space));

        t.Expect(ImapBytes.CloseParen, "')' closing the CATENATE parts");
        return parts;
    }

    /// <summary>Bounds the work one command can ask for: every URL part loads a message.</summary>
    public const int MaxCatenateParts = 100;

    public override string ToString() => $"{Tag} APPEND {Mailbox} ({Messages.Count} message(s))";
}
