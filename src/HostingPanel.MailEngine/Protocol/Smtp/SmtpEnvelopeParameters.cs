using System.Buffers;
using System.Text;

namespace HostingPanel.MailEngine.Protocol.Smtp;

/// <summary>
/// Checks MAIL and RCPT lines before SmtpServer's parser sees them. SmtpServer 11.1.0 throws (and
/// drops the session without a reply) on a repeated parameter (it adds each to a dictionary), on
/// parameters it tokenizes oddly (tab, 8-bit bytes) and on some backslashes in a quoted local part
/// (it unescapes them with Regex.Unescape); all three were found by the smtp fuzz target.
/// </summary>
/// <remarks>
/// <code>
/// esmtp-param   = esmtp-keyword ["=" esmtp-value]          ; RFC 5321 section 4.1.2
/// esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
/// esmtp-value   = 1*(%d33-60 / %d62-126)
/// </code>
/// RFC 5321 gives each keyword at most once. Quoted-pairs in a local part are legal but unused in
/// practice; they are refused rather than handed to a parser that crashes on them.
/// </remarks>
public static class SmtpEnvelopeParameters
{
    public const string DuplicateReply = "501 5.5.4 duplicate parameter";
    public const string SyntaxReply = "501 5.5.4 invalid parameter syntax";
    public const string BackslashReply = "501 5.1.3 backslash in address not supported";

    /// <summary>
    /// When the first complete line of <paramref name="buffer"/> is a MAIL or RCPT command to refuse,
    /// the reply (without CRLF) and the position just past that line; otherwise null.
    /// </summary>
    public static (string Reply, SequencePosition LineEnd)? Check(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.PositionOf((byte)'\n') is not { } lf)
            return null;
        // The line is bounded by SmtpCommandLineLimit before this runs.
        var line = Encoding.Latin1.GetString(buffer.Slice(0, lf)).TrimEnd('\r');
        var reply = Check(line);
        return reply is null ? null : (reply, buffer.GetPosition(1, lf));
    }

    /// <summary>The refusal for one command line, or null when the package may parse it.</summary>
    public static string? Check(string line)
    {
        // The package takes any whitespace after the verb ("MAIL\tFROM:").
        if (line.Length < 5 || char.IsAsciiLetterOrDigit(line[4])
            || (!line.StartsWith("MAIL", StringComparison.OrdinalIgnoreCase) && !line.StartsWith("RCPT", StringComparison.OrdinalIgnoreCase)))
            return null;
        var open = line.IndexOf('<');
        var close = line.IndexOf('>', Math.Max(open, 0));
        if (open < 0)
            return null; // the package answers a missing path itself
        // Without a closing '>' the package still parses the mailbox before it fails, so a backslash
        // up to the end of the line reaches its Regex.Unescape too (found by bench/fuzz.sh smtp 600).
        if (line.AsSpan(open, (close < 0 ? line.Length : close) - open).Contains('\\'))
            return BackslashReply;
        if (close < 0)
            return null;
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var parameter in line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = parameter.IndexOf('=');
            var keyword = equals < 0 ? parameter : parameter[..equals];
            if (!IsKeyword(keyword) || (equals >= 0 && !IsValue(parameter.AsSpan(equals + 1))))
                return SyntaxReply;
            if (!seen.Add(keyword))
                return DuplicateReply;
        }
        return null;
    }

    private static bool IsKeyword(string keyword) =>
        keyword.Length > 0 && char.IsAsciiLetterOrDigit(keyword[0]) && keyword.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static bool IsValue(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
            return false;
        foreach (var c in value)
        {
            if (c is < '!' or > '~' or '=')
                return false;
        }
        return true;
    }
}
