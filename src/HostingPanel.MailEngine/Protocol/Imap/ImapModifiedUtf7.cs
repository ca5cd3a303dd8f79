using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// Modified UTF-7 of RFC 3501 section 5.1.3, the mailbox-name encoding before UTF8=ACCEPT.
/// </summary>
/// <remarks>
/// Printable US-ASCII (0x20-0x7E) stands for itself, except "&amp;", written "&amp;-". Anything else is
/// UTF-16, in modified base64 ("," for "/", no padding) between "&amp;" and "-".
/// Decoding is strict, so every name has exactly one spelling (two spellings of one name would be
/// two folders to the client and one to us): printable ASCII inside a base64 run, two runs in a
/// row, non-zero leftover bits, broken surrogates, and any byte outside 0x20-0x7E are refused.
/// </remarks>
public static class ImapModifiedUtf7
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
    private const char Shift = '&';
    private const char Unshift = '-';

    public static string Encode(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        var i = 0;
        while (i < name.Length)
        {
            var c = name[i];
            if (c is >= ' ' and <= '~')
            {
                builder.Append(c);
                if (c == Shift)
                {
                    builder.Append(Unshift);
                }

                i++;
                continue;
            }

            var start = i;
            while (i < name.Length && name[i] is < ' ' or > '~')
            {
                i++;
            }

            builder.Append(Shift);
            AppendBase64(builder, name.AsSpan(start, i - start));
            builder.Append(Unshift);
        }

        return builder.ToString();
    }

    private static void AppendBase64(StringBuilder builder, ReadOnlySpan<char> run)
    {
        var bits = 0;
        var bitCount = 0;
        foreach (var c in run)
        {
            bits = (bits << 16) | c;
            bitCount += 16;
            while (bitCount >= 6)
            {
                bitCount -= 6;
                builder.Append(Alphabet[(bits >> bitCount) & 0x3F]);
            }

            bits &= (1 << bitCount) - 1;
        }

        if (bitCount > 0)
        {
            builder.Append(Alphabet[(bits << (6 - bitCount)) & 0x3F]);
        }
    }

    /// <summary>Decodes strictly; false with a reason when <paramref name="encoded"/> is not canonical modified UTF-7.</summary>
    public static bool TryDecode(string encoded, out string decoded, out string? error)
    {
        var builder = new StringBuilder(encoded.Length);
        decoded = string.Empty;
        var previousWasRun = false;
        var i = 0;
        while (i < encoded.Length)
        {
            var c = encoded[i];
            if (c is < ' ' or > '~')
            {
                error = "Mailbox names must be modified UTF-7: only printable US-ASCII is allowed.";
                return false;
            }

            if (c != Shift)
            {
                builder.Append(c);
                previousWasRun = false;
                i++;
                continue;
            }

            var end = encoded.IndexOf(Unshift, i + 1);
            if (end < 0)
            {
                error = "Unterminated modified UTF-7 run.";
                return false;
            }

            if (end == i + 1)
            {
                builder.Append(Shift);
                previousWasRun = false;
                i = end + 1;
                continue;
            }

            if (previousWasRun)
            {
                error = "Two adjacent modified UTF-7 runs must be one.";
                return false;
            }

            if (!TryDecodeRun(encoded.AsSpan(i + 1, end - i - 1), builder, out error))
            {
                return false;
            }

            previousWasRun = true;
            i = end + 1;
        }

        decoded = builder.ToString();
        error = null;
        return true;
    }

    private static bool TryDecodeRun(ReadOnlySpan<char> run, StringBuilder builder, out string? error)
    {
        var bits = 0;
        var bitCount = 0;
        var start = builder.Length;
        foreach (var c in run)
        {
            var value = Alphabet.IndexOf(c);
            if (value < 0)
            {
                error = "Invalid character in a modified UTF-7 run.";
                return false;
            }

            bits = (bits << 6) | value;
            bitCount += 6;
            if (bitCount >= 16)
            {
                bitCount -= 16;
                var unit = (char)((bits >> bitCount) & 0xFFFF);
                bits &= (1 << bitCount) - 1;
                if (unit is >= ' ' and <= '~')
                {
                    error = "Printable US-ASCII must not be base64-encoded in modified UTF-7.";
                    return false;
                }

                builder.Append(unit);
            }
        }

        if (bitCount >= 6 || bits != 0 || builder.Length == start)
        {
            error = "Modified UTF-7 run has leftover bits.";
            return false;
        }

        for (var k = start; k < builder.Length; k++)
        {
            if (char.IsHighSurrogate(builder[k]))
            {
                if (k + 1 >= builder.Length || !char.IsLowSurrogate(builder[k + 1]))
                {
                    error = "Broken UTF-16 surrogate pair in modified UTF-7.";
                    return false;
                }

                k++;
            }
            else if (char.IsLowSurrogate(builder[k]))
            {
                error = "Broken UTF-16 surrogate pair in modified UTF-7.";
                return false;
            }
        }

        error = null;
        return true;
    }
}
