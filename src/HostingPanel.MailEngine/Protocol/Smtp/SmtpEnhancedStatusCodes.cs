namespace HostingPanel.MailEngine.Protocol.Smtp;

/// <summary>
/// RFC 2034 ENHANCEDSTATUSCODES for replies the SmtpServer package writes itself ("250 Ok",
/// "503 bad sequence of commands", ...): adds a class-appropriate code to a reply line that has none.
/// The greeting and the EHLO/HELO reply are exempt (RFC 2034 section 4), and so are 334 and 354.
/// </summary>
public static class SmtpEnhancedStatusCodes
{
    /// <summary>
    /// Returns <paramref name="line"/> (without CRLF) with an enhanced code after "ddd " or "ddd-",
    /// or the line unchanged when it already has one or must not have one.
    /// </summary>
    public static string Apply(string line)
    {
        if (line.Length < 4 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2]) || line[3] is not (' ' or '-'))
            return line;
        var code = int.Parse(line.AsSpan(0, 3));
        if (code is 220 or 334 or 354)
            return line;
        var text = line[4..];
        if (HasEnhancedCode(text))
            return line;
        var enhanced = code switch
        {
            235 => "2.7.0",
            >= 200 and < 300 => "2.0.0",
            421 => "4.4.2",
            454 => "4.7.0",
            >= 400 and < 500 => "4.0.0",
            500 or 502 or 503 => "5.5.1",
            501 => "5.5.2",
            504 => "5.5.4",
            530 => "5.7.0",
            535 => "5.7.8",
            552 => "5.3.4",
            553 => "5.1.3",
            _ => "5.0.0",
        };
        return line[..4] + enhanced + (text.Length > 0 ? " " + text : "");
    }

    /// <summary>class "." subject "." detail, RFC 3463 section 2.</summary>
    public static bool HasEnhancedCode(ReadOnlySpan<char> text)
    {
        var space = text.IndexOf(' ');
        var code = space < 0 ? text : text[..space];
        if (code.Length < 5 || code[0] is not ('2' or '4' or '5') || code[1] != '.')
            return false;
        var rest = code[2..];
        var dot = rest.IndexOf('.');
        if (dot is < 1 or > 3 || rest.Length - dot - 1 is < 1 or > 3)
            return false;
        foreach (var c in rest)
            if (c != '.' && !char.IsAsciiDigit(c))
                return false;
        return true;
    }
}
