using System.Buffers;
using System.Globalization;
using System.Text;

namespace HostingPanel.MailEngine.Protocol.Pop3;

/// <summary>
/// POP3 command lines (RFC 1939 section 3, RFC 2449, RFC 5034). Pure: bytes in, records out.
/// </summary>
/// <remarks>
/// <code>
/// command   = keyword *(SP argument) CRLF     ; keyword 3-4 characters, case-insensitive
/// argument  = 1*40 printable characters       ; PASS takes the rest of the line
/// </code>
/// </remarks>
public static class Pop3CommandParser
{
    private const byte ByteLF = (byte)'\n';
    private const byte ByteCR = (byte)'\r';
    private const int MaxArgumentLength = 40;

    public enum LineStatus
    {
        /// <summary>A complete line was sliced off.</summary>
        Line,
        /// <summary>No line end yet; read more.</summary>
        NeedMoreData,
        /// <summary>A line end came, but too late: the line was sliced off and must be refused.</summary>
        TooLong,
        /// <summary>No line end within the limit: the buffer was consumed; discard up to the next line end.</summary>
        TooLongUnterminated,
    }

    /// <summary>
    /// Slices one line (without its line end) off <paramref name="buffer"/>. The limit is applied before
    /// anything is copied, so a client cannot make the server buffer an endless line.
    /// </summary>
    public static LineStatus TryReadLine(ref ReadOnlySequence<byte> buffer, int maxLength, out ReadOnlySequence<byte> line)
    {
        var lf = buffer.PositionOf(ByteLF);
        if (lf is null)
        {
            line = default;
            if (buffer.Length < maxLength)
                return LineStatus.NeedMoreData;
            buffer = buffer.Slice(buffer.End);
            return LineStatus.TooLongUnterminated;
        }
        line = buffer.Slice(0, lf.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        if (line.Length + 1 > maxLength)
            return LineStatus.TooLong;
        // Note: a bare LF is accepted as a line end, as most servers do, for clients typed by hand.
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == ByteCR)
            line = line.Slice(0, line.Length - 1);
        return LineStatus.Line;
    }

    public static Pop3ParseResult Parse(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
            if (b == 0)
                return Pop3ParseResult.Fail("NUL character in command");
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(line);
        }
        catch (DecoderFallbackException)
        {
            return Pop3ParseResult.Fail("command is not valid UTF-8");
        }
        var space = text.IndexOf(' ');
        var keyword = space < 0 ? text : text[..space];
        var rest = space < 0 ? "" : text[(space + 1)..];
        if (keyword.Length is < 3 or > 4)
            return Pop3ParseResult.Fail(text.Length == 0 ? "empty command" : "unknown command");
        switch (keyword.ToUpperInvariant())
        {
            case "USER":
                return rest.Length == 0 || rest.Length > 255 || rest.Contains(' ')
                    ? Pop3ParseResult.Fail("USER needs one argument: the mailbox address")
                    : Pop3ParseResult.Ok(new Pop3Command(Pop3Verb.User, rest));
            case "PASS":
                // RFC 1939 section 7: PASS has exactly one argument, so spaces belong to the password.
                return rest.Length == 0
                    ? Pop3ParseResult.Fail("PASS needs the password")
                    : Pop3ParseResult.Ok(new Pop3Command(Pop3Verb.Pass, rest));
            case "AUTH":
            {
                var args = Split(rest);
                if (args is null || args.Length > 2)
                    return Pop3ParseResult.Fail("AUTH [mechanism [initial-response]]");
                return Pop3ParseResult.Ok(new Pop3Command(Pop3Verb.Auth, Mechanism: args.Length > 0 ? args[0].ToUpperInvariant() : null,
                    InitialResponse: args.Length > 1 ? args[1] : null));
            }
            case "STLS": return NoArguments(Pop3Verb.Stls, rest);
            case "CAPA": return NoArguments(Pop3Verb.Capa, rest);
            case "STAT": return NoArguments(Pop3Verb.Stat, rest);
            case "NOOP": return NoArguments(Pop3Verb.Noop, rest);
            case "RSET": return NoArguments(Pop3Verb.Rset, rest);
            case "QUIT": return NoArguments(Pop3Verb.Quit, rest);
            case "LIST": return OptionalMessage(Pop3Verb.List, rest);
            case "UIDL": return OptionalMessage(Pop3Verb.Uidl, rest);
            case "RETR": return RequiredMessage(Pop3Verb.Retr, rest);
            case "DELE": return RequiredMessage(Pop3Verb.Dele, rest);
            case "TOP":
            {
                var args = Split(rest);
                if (args is not { Length: 2 } || !TryNumber(args[0], out var message) || message == 0 || !TryNumber(args[1], out var lines))
                    return Pop3ParseResult.Fail("TOP needs a message number and a non-negative line count");
                return Pop3ParseResult.Ok(new Pop3Command(Pop3Verb.Top, Message: message, Lines: lines));
            }
            default:
                return Pop3ParseResult.Fail("unknown command");
        }
    }

    private static Pop3ParseResult NoArguments(Pop3Verb verb, string rest) =>
        rest.Length == 0 ? Pop3ParseResult.Ok(new Pop3Command(verb)) : Pop3ParseResult.Fail($"{verb.ToString().ToUpperInvariant()} takes no arguments");

    private static Pop3ParseResult OptionalMessage(Pop3Verb verb, string rest)
    {
        if (rest.Length == 0)
            return Pop3ParseResult.Ok(new Pop3Command(verb));
        return RequiredMessage(verb, rest);
    }

    private static Pop3ParseResult RequiredMessage(Pop3Verb verb, string rest)
    {
        var args = Split(rest);
        if (args is not { Length: 1 } || !TryNumber(args[0], out var message) || message == 0)
            return Pop3ParseResult.Fail($"{verb.ToString().ToUpperInvariant()} needs one message number");
        return Pop3ParseResult.Ok(new Pop3Command(verb, Message: message));
    }

    private static string[]? Split(string rest)
    {
        if (rest.Length == 0)
            return [];
        var args = rest.Split(' ');
        return args.Any(a => a.Length == 0 || a.Length > MaxArgumentLength * 25) ? null : args;
    }

    private static bool TryNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && text.Length <= 10;
}
