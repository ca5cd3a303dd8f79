namespace HostingPanel.MailEngine.Protocol.Imap.Mime;

/// <summary>
/// Quoted-printable decoding for BINARY[] (RFC 3516), by the rules of RFC 2045 section 6.7, which
/// MimeKit's streaming decoder does not all apply: trailing whitespace of a line is not content
/// (rule 3: "it must be deleted"), and "=" followed only by whitespace up to the line end is a soft
/// line break (rule 5; "transport-padding"). Line ends come out as CRLF.
/// </summary>
/// <remarks>
/// <code>
/// qp-line    := *(qp-segment transport-padding CRLF) qp-part transport-padding
/// qp-segment := qp-section *(SPACE / TAB) "="
/// transport-padding := *LWSP-char   ; composers MUST NOT generate it, decoders MUST accept it
/// </code>
/// Note: an "=" not followed by two hex digits is kept as it is (rule 1 leaves it to the decoder;
/// Dovecot and MimeKit both keep it), and lower-case hex digits are accepted.
/// </remarks>
public static class ImapQuotedPrintable
{
    public static byte[] Decode(ReadOnlySpan<byte> input)
    {
        var output = new List<byte>(input.Length);
        while (!input.IsEmpty)
        {
            var end = input.IndexOf((byte)'\n');
            var hasLineEnd = end >= 0;
            var line = hasLineEnd ? input[..end] : input;
            input = hasLineEnd ? input[(end + 1)..] : [];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            line = line.TrimEnd(" \t"u8);
            var soft = line.Length > 0 && line[^1] == (byte)'=';
            if (soft)
            {
                line = line[..^1];
            }

            DecodeLine(line, output);
            if (hasLineEnd && !soft)
            {
                output.Add((byte)'\r');
                output.Add((byte)'\n');
            }
        }

        return output.ToArray();
    }

    private static void DecodeLine(ReadOnlySpan<byte> line, List<byte> output)
    {
        for (var i = 0; i < line.Length; i++)
        {
            var b = line[i];
            if (b == (byte)'=' && i + 2 < line.Length && Hex(line[i + 1]) is var high and >= 0 && Hex(line[i + 2]) is var low and >= 0)
            {
                output.Add((byte)((high << 4) | low));
                i += 2;
                continue;
            }

            output.Add(b);
        }
    }

    private static int Hex(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
