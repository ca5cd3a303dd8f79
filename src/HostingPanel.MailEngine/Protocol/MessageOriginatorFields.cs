using System.Buffers;
using System.Text;

namespace HostingPanel.MailEngine.Protocol;

/// <summary>One From or Sender field of a header section, unfolded: its name as spelled and its raw value.</summary>
public sealed record OriginatorField(string Name, byte[] Value)
{
    public bool IsFrom => MessageOriginatorFields.NameIs(Name, "From");
}

/// <summary>
/// Finds every From and Sender field of a message's header section in any spelling a reader might
/// accept, before any MIME parser: case (<c>FROM:</c>, <c>from:</c>), white space before the colon
/// (RFC 5322 section 4.5.1's obsolete <c>"From" *WSP ":"</c>, <c>FROM :</c>) and folding anywhere,
/// also between the name and the colon (<c>From\r\n :</c>), since lenient readers unfold first.
/// A parser that keeps only the first field (MimeKit's indexer does) would let a second From reach
/// the recipient's screen unchecked; counting them here is what makes "exactly one" hold.
/// The scan ends at the first empty line (RFC 5322 section 2.1); a line without a colon does not end it,
/// so a field hidden behind a malformed line is still found.
/// </summary>
/// <remarks>
/// <code>
/// from   = "From:" mailbox-list CRLF          ; exactly one (RFC 5322 section 3.6)
/// sender = "Sender:" mailbox CRLF             ; at most one
/// obs-from = "From" *WSP ":" mailbox-list CRLF ; section 4.5.1
/// </code>
/// Field lengths are bounded beforehand by <see cref="MessageHeaderLimit"/>.
/// </remarks>
public static class MessageOriginatorFields
{
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    private const byte ByteSpace = (byte)' ';
    private const byte ByteTab = (byte)'\t';
    private const byte ByteColon = (byte)':';

    public static IReadOnlyList<OriginatorField> Find(in ReadOnlySequence<byte> message)
    {
        var found = new List<OriginatorField>();
        var reader = new SequenceReader<byte>(message);
        var field = new List<byte>();
        while (true)
        {
            ReadOnlySpan<byte> line;
            if (reader.TryReadTo(out ReadOnlySequence<byte> lineSequence, ByteLF))
                line = lineSequence.IsSingleSegment ? lineSequence.FirstSpan : lineSequence.ToArray();
            else
            {
                // A header section without an end: whatever is left is its last line.
                line = reader.UnreadSequence.ToArray();
                reader.AdvanceToEnd();
                if (line.IsEmpty)
                    break;
            }
            if (!line.IsEmpty && line[^1] == ByteCR)
                line = line[..^1];
            if (line.IsEmpty)
                break;
            if (line[0] is ByteSpace or ByteTab)
                field.AddRange(line); // a continuation: unfolding drops only the CRLF (section 2.2.3)
            else
            {
                Take(field, found);
                field.Clear();
                field.AddRange(line);
            }
            if (reader.End)
                break;
        }
        Take(field, found);
        return found;
    }

    public static IReadOnlyList<OriginatorField> Find(ReadOnlyMemory<byte> message) => Find(new ReadOnlySequence<byte>(message));

    private static void Take(List<byte> field, List<OriginatorField> found)
    {
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(field);
        var colon = bytes.IndexOf(ByteColon);
        if (colon <= 0)
            return;
        // Trimmed on both sides: a reader that skips white space before the name must not see a From we missed.
        var name = bytes[..colon].Trim(" \t"u8);
        if (name.Length is not (4 or 6))
            return;
        var text = Encoding.ASCII.GetString(name);
        if (NameIs(text, "From") || NameIs(text, "Sender"))
            found.Add(new OriginatorField(text, bytes[(colon + 1)..].ToArray()));
    }

    internal static bool NameIs(string name, string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);
}
