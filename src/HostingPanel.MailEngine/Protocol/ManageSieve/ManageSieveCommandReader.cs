using System.Buffers;
using System.Text;

namespace HostingPanel.MailEngine.Protocol.ManageSieve;

/// <summary>One argument: a string (quoted or literal) or a number.</summary>
internal readonly record struct ManageSieveArgument(string? Text, long Number)
{
    public bool IsString => Text is not null;
}

internal sealed record ManageSieveCommand(string Name, IReadOnlyList<ManageSieveArgument> Arguments);

internal enum ManageSieveReadStatus { NeedMoreData, Command, Error, Fatal }

/// <summary>
/// Reads one ManageSieve command (RFC 5804 section 4) from the buffered bytes, literals included;
/// "need more data" until the whole command is there. Limits are checked before bytes are taken:
/// a line or a literal larger than allowed is refused without reading it.
/// </summary>
/// <remarks>
/// <code>
/// command       = atom *(SP argument) CRLF
/// argument      = string / number
/// string        = quoted / literal-c2s
/// quoted        = DQUOTE *1024QUOTED-CHAR DQUOTE      ("\" escapes DQUOTE and "\")
/// literal-c2s   = "{" number [ "+" ] "}" CRLF *OCTET
/// </code>
/// Note: "{N}" without "+" is accepted as if it were "{N+}" (no continuation is sent), as Dovecot does.
/// </remarks>
internal static class ManageSieveCommandReader
{
    public const int MaxQuoted = 1024;

    /// <param name="bareString">Read a single string line (a SASL response), not a command.</param>
    public static ManageSieveReadStatus TryRead(ref ReadOnlySequence<byte> buffer, int maxLine, int maxLiteral, bool bareString,
        out ManageSieveCommand? command, out string? error)
    {
        command = null;
        error = null;
        var bytes = buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray();
        var pos = 0;
        var args = new List<ManageSieveArgument>();
        var literalBytes = 0L;
        string name = "";
        if (!bareString)
        {
            while (pos < bytes.Length && IsAtomChar(bytes[pos]))
                pos++;
            if (pos == bytes.Length)
                return Need(bytes.Length - literalBytes, maxLine, ref error);
            name = Encoding.ASCII.GetString(bytes[..pos]).ToUpperInvariant();
            if (name.Length == 0)
                return Skip(ref buffer, bytes, "expected a command", ref error);
        }
        while (true)
        {
            if (pos >= bytes.Length)
                return Need(bytes.Length - literalBytes, maxLine, ref error);
            var b = bytes[pos];
            if (b == '\r' || b == '\n')
            {
                var end = b == '\r' ? pos + 1 : pos;
                if (end >= bytes.Length)
                    return Need(bytes.Length - literalBytes, maxLine, ref error);
                if (bytes[end] != '\n')
                    return Skip(ref buffer, bytes, "bare CR", ref error);
                buffer = buffer.Slice(end + 1);
                if (bareString && args.Count != 1)
                {
                    error = "expected one string";
                    return ManageSieveReadStatus.Error;
                }
                command = new ManageSieveCommand(name, args);
                return ManageSieveReadStatus.Command;
            }
            if (!bareString || args.Count > 0)
            {
                if (b != ' ')
                    return Skip(ref buffer, bytes, "expected a space between arguments", ref error);
                pos++;
                if (pos >= bytes.Length)
                    return Need(bytes.Length - literalBytes, maxLine, ref error);
                b = bytes[pos];
            }
            if (b == '"')
            {
                var sb = new List<byte>();
                pos++;
                while (true)
                {
                    if (pos >= bytes.Length)
                        return Need(bytes.Length - literalBytes, maxLine, ref error);
                    var c = bytes[pos++];
                    if (c == '"')
                        break;
                    if (c is (byte)'\r' or (byte)'\n')
                        return Skip(ref buffer, bytes, "line break inside a quoted string", ref error);
                    if (c == '\\')
                    {
                        if (pos >= bytes.Length)
                            return Need(bytes.Length - literalBytes, maxLine, ref error);
                        c = bytes[pos++];
                    }
                    sb.Add(c);
                    if (sb.Count > MaxQuoted)
                        return Skip(ref buffer, bytes, $"quoted string longer than {MaxQuoted} octets", ref error);
                }
                args.Add(new ManageSieveArgument(Decode(sb.ToArray()), 0));
            }
            else if (b == '{')
            {
                var close = bytes[pos..].IndexOf((byte)'}');
                if (close < 0)
                    return bytes.Length - pos > 24 ? Skip(ref buffer, bytes, "bad literal", ref error) : Need(bytes.Length, maxLine, ref error);
                var spec = Encoding.ASCII.GetString(bytes.Slice(pos + 1, close - 1)).TrimEnd('+');
                if (!long.TryParse(spec, System.Globalization.NumberStyles.None, null, out var length))
                    return Skip(ref buffer, bytes, "bad literal length", ref error);
                if (length > maxLiteral)
                {
                    // The client may already be sending the bytes: the connection cannot be resynchronised.
                    error = $"literal of {length} octets is larger than {maxLiteral}";
                    return ManageSieveReadStatus.Fatal;
                }
                pos += close + 1;
                if (pos + 2 > bytes.Length)
                    return ManageSieveReadStatus.NeedMoreData;
                if (bytes[pos] != '\r' || bytes[pos + 1] != '\n')
                    return Skip(ref buffer, bytes, "a literal's length must end the line", ref error);
                pos += 2;
                if (pos + length > bytes.Length)
                    return ManageSieveReadStatus.NeedMoreData;
                args.Add(new ManageSieveArgument(Decode(bytes.Slice(pos, (int)length)), 0));
                pos += (int)length;
                literalBytes += length;
            }
            else if (b is >= (byte)'0' and <= (byte)'9')
            {
                var start = pos;
                while (pos < bytes.Length && bytes[pos] is >= (byte)'0' and <= (byte)'9')
                    pos++;
                if (pos >= bytes.Length)
                    return Need(bytes.Length - literalBytes, maxLine, ref error);
                if (!long.TryParse(bytes[start..pos], out var n) || n > uint.MaxValue)
                    return Skip(ref buffer, bytes, "number too large", ref error);
                args.Add(new ManageSieveArgument(null, n));
            }
            else
            {
                return Skip(ref buffer, bytes, "expected a string or a number", ref error);
            }
            if (args.Count > 8)
                return Skip(ref buffer, bytes, "too many arguments", ref error);
        }
    }

    private static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private static ManageSieveReadStatus Need(long have, int maxLine, ref string? error)
    {
        if (have <= maxLine)
            return ManageSieveReadStatus.NeedMoreData;
        error = "line too long";
        return ManageSieveReadStatus.Fatal;
    }

    /// <summary>A syntax error: drop the rest of the line (when it is there) and report it.</summary>
    private static ManageSieveReadStatus Skip(ref ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> bytes, string message, ref string? error)
    {
        error = message;
        var lf = bytes.IndexOf((byte)'\n');
        if (lf < 0)
            return ManageSieveReadStatus.Fatal;
        buffer = buffer.Slice(lf + 1);
        return ManageSieveReadStatus.Error;
    }

    private static bool IsAtomChar(byte b) => b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';
}
