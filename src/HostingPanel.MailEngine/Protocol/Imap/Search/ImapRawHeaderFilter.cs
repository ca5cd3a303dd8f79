namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>
/// Decides from a raw header block, without parsing it, that a search string cannot occur in any of
/// its decoded field values. Sound only where decoding is the identity: the block is plain 7-bit text
/// with no encoded words ("=?"), and the needle is printable ASCII without whitespace (unfolding
/// changes whitespace), quotes or backslashes (quoted-pairs). Anything else answers "maybe".
/// </summary>
public static class ImapRawHeaderFilter
{
    // Printable ASCII, space, tab, CR and LF: bytes whose decoded text is the bytes themselves.
    private static readonly System.Buffers.SearchValues<byte> PlainHeaderBytes =
        System.Buffers.SearchValues.Create([.. Enumerable.Range(0x20, 0x7F - 0x20).Select(b => (byte)b), (byte)'\t', (byte)'\r', (byte)'\n']);

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

        // 8-bit or control bytes (decoded text may differ from the bytes), or an RFC 2047 encoded word: maybe.
        if (header.IndexOfAnyExcept(PlainHeaderBytes) >= 0 || header.IndexOf("=?"u8) >= 0)
        {
            return true;
        }

        var first = wanted[0];
        var firstUpper = first is >= (byte)'a' and <= (byte)'z' ? (byte)(first - 32) : first;
        var rest = header;
        while (rest.Length >= wanted.Length)
        {
            var at = rest.IndexOfAny(first, firstUpper);
            if (at < 0 || rest.Length - at < wanted.Length)
            {
                return false;
            }

            if (EqualsIgnoreCase(rest.Slice(at, wanted.Length), wanted))
            {
                return true;
            }

            rest = rest[(at + 1)..];
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
