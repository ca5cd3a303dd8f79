namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>One message of an APPEND (several with RFC 3502 MULTIAPPEND).</summary>
/// <param name="IsBinary">Sent as literal8 (RFC 3516): may hold NUL and binary parts.</param>
public sealed record ImapAppendMessage(IReadOnlyList<string> Flags, DateTimeOffset? InternalDate, ReadOnlyMemory<byte> Data, bool IsBinary);

/// <remarks>
/// <code>
/// append         = "APPEND" SP mailbox 1*append-message           ; RFC 3502
/// append-message = [SP flag-list] [SP date-time] SP append-data
/// append-data    = literal / literal8                              ; literal8 is RFC 3516
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

            var literal = t.ReadLiteral("the message", allowBinary: true);
            messages.Add(new ImapAppendMessage(flags, date, literal.Data, literal.IsBinary));
        }
        while (!t.AtEnd);

        return new ImapAppendCommand(tag, mailbox, messages);
    }

    public override string ToString() => $"{Tag} APPEND {Mailbox} ({Messages.Count} message(s))";
}
