namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>
/// Decides from a raw header block, without parsing it, that a search string cannot occur in any of
/// its decoded field values. Sound only where decoding is the identity: the block is plain 7-bit text
/// with no encoded words ("=?"), and the needle is printable ASCII without whitespace (unfolding
/// changes whitespace), quotes or backslashes (quoted-pairs). Anything else answers "maybe".
/// </summary>
public static class ImapRawHeaderFilter
{
    public static bool MayContain(ReadOnlySpan<byte> header, string needle)
    {
        if (needle.Length == 0 || needle.Length > 256)
        {
            return true;
        }

        Span<byte> wanted = stackalloc byte[needle.Length];
        for (var i = 0; i < needle.Length; i++)
        {
            var c = needle[i];
            if (c <= ' ' || c >= 0x7F || c is '"' or '\\')
            {
                return true;
            }

            wanted[i] = ToLower((byte)c);
        }

        var first = wanted[0];
        var firstUpper = first is >= (byte)'a' and <= (byte)'z' ? (byte)(first - 32) : first;
        for (var i = 0; i < header.Length; i++)
        {
            var b = header[i];
            if (b >= 0x80 || (b < 0x20 && b is not (byte)'\r' and not (byte)'\n' and not (byte)'\t'))
            {
                return true; // 8-bit or control bytes: decoded text may differ from the bytes
            }

            if (b == (byte)'=' && i + 1 < header.Length && header[i + 1] == (byte)'?')
            {
                return true; // an RFC 2047 encoded word
            }

            if ((b == first || b == firstUpper) && i + wanted.Length <= header.Length && EqualsIgnoreCase(header.Slice(i, wanted.Length), wanted))
            {
                return true;
            }
        }

        return false;
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerNeedle)
    {
        for (var i = 0; i < lowerNeedle.Length; i++)
        {
            if (ToLower(text[i]) != lowerNeedle[i])
            {
                return false;
            }
        }

        return true;
    }

    private static byte ToLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
}
