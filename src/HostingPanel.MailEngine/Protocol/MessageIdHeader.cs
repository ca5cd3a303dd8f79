using System.Buffers;
using System.Text;

namespace HostingPanel.MailEngine.Protocol;

/// <summary>
/// The Message-ID field (RFC 5322 section 3.6.4) of a message's header section, for the delivery log: found by a
/// scan of the header bytes, without parsing the message. Folded values are unfolded; at most 250 characters.
/// </summary>
public static class MessageIdHeader
{
    private const int MaxLength = 250;
    private const int MaxScan = 64 * 1024;
    private static readonly byte[] Name = "message-id:"u8.ToArray();

    public static string? Find(ReadOnlySequence<byte> message)
    {
        var head = message.Length > MaxScan ? message.Slice(0, MaxScan) : message;
        return head.IsSingleSegment ? Find(head.FirstSpan) : Find(head.ToArray());
    }

    public static string? Find(ReadOnlySpan<byte> message)
    {
        if (message.Length > MaxScan)
            message = message[..MaxScan];
        var lineStart = 0;
        while (lineStart < message.Length)
        {
            var rest = message[lineStart..];
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            if (line.Length == 0 || line is [(byte)'\r'])
                return null; // end of the header section
            if (StartsWithName(line))
                return Value(message, lineStart + Name.Length);
            if (end < 0)
                return null;
            lineStart += end + 1;
        }
        return null;
    }

    private static bool StartsWithName(ReadOnlySpan<byte> line)
    {
        if (line.Length < Name.Length)
            return false;
        for (var i = 0; i < Name.Length; i++)
        {
            var c = line[i];
            if (c is >= (byte)'A' and <= (byte)'Z')
                c |= 0x20;
            if (c != Name[i])
                return false;
        }
        return true;
    }

    /// <summary>The field body from <paramref name="start"/>, continuation lines (starting with space or tab) included.</summary>
    private static string? Value(ReadOnlySpan<byte> message, int start)
    {
        var text = new StringBuilder();
        var i = start;
        while (i < message.Length && text.Length <= MaxLength)
        {
            var b = message[i];
            if (b == '\r' || b == '\n')
            {
                var next = b == '\r' && i + 1 < message.Length && message[i + 1] == '\n' ? i + 2 : i + 1;
                if (next < message.Length && message[next] is (byte)' ' or (byte)'\t')
                {
                    i = next;
                    continue;
                }
                break;
            }
            // Only printable ASCII: the value goes into a log people read and search.
            if (b is >= 0x21 and < 0x7f)
                text.Append((char)b);
            i++;
        }
        var value = text.ToString();
        if (value.Length > MaxLength)
            value = value[..MaxLength];
        return value.Length == 0 ? null : value;
    }
}
