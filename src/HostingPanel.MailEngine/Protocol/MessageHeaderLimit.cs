using System.Buffers;

namespace HostingPanel.MailEngine.Protocol;

/// <summary>
/// Bounds one header field (with its folded continuation lines) before any MIME parser sees the
/// message. MimeKit 4.18's header parser takes time quadratic in the length of a single folded
/// field (measured: 20,000 folded address lines 2.3 s, 40,000 lines 12.5 s), so one "To:" folded
/// over 100,000 lines would hold a delivery for minutes (CVE-2024-23184 class). Postfix refuses or
/// truncates at the same size (its header_size_limit, 102,400 bytes).
/// </summary>
public static class MessageHeaderLimit
{
    public const int MaxFieldBytes = 100 * 1024;

    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    private const byte ByteSpace = (byte)' ';
    private const byte ByteTab = (byte)'\t';

    /// <summary>True when some header field of the header section is longer than <paramref name="maxFieldBytes"/>.</summary>
    public static bool HasOversizedField(in ReadOnlySequence<byte> message, int maxFieldBytes = MaxFieldBytes)
    {
        var reader = new SequenceReader<byte>(message);
        long fieldBytes = 0;
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, ByteLF))
        {
            var length = line.Length;
            if (length > 0 && line.Slice(length - 1).FirstSpan[0] == ByteCR)
                length--;
            if (length == 0)
                return false; // end of the header section
            var first = line.FirstSpan.Length > 0 ? line.FirstSpan[0] : line.Slice(0, 1).ToArray()[0];
            fieldBytes = first is ByteSpace or ByteTab ? fieldBytes + length + 2 : length + 2;
            if (fieldBytes > maxFieldBytes)
                return true;
        }
        // A header section without an end: whatever is left is part of the last field.
        return fieldBytes + reader.Remaining > maxFieldBytes;
    }

    public static bool HasOversizedField(ReadOnlyMemory<byte> message, int maxFieldBytes = MaxFieldBytes) =>
        HasOversizedField(new ReadOnlySequence<byte>(message), maxFieldBytes);
}
