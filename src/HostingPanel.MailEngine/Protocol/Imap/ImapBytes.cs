namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>Byte constants of the IMAP grammar, named so the parsers read like the ABNF.</summary>
internal static class ImapBytes
{
    public const byte Nul = 0x00;
    public const byte Tab = (byte)'\t';
    public const byte LF = (byte)'\n';
    public const byte CR = (byte)'\r';
    public const byte Space = (byte)' ';
    public const byte DoubleQuote = (byte)'"';
    public const byte Backslash = (byte)'\\';
    public const byte OpenParen = (byte)'(';
    public const byte CloseParen = (byte)')';
    public const byte OpenBrace = (byte)'{';
    public const byte CloseBrace = (byte)'}';
    public const byte OpenBracket = (byte)'[';
    public const byte CloseBracket = (byte)']';
    public const byte OpenAngle = (byte)'<';
    public const byte CloseAngle = (byte)'>';
    public const byte Plus = (byte)'+';
    public const byte Minus = (byte)'-';
    public const byte Tilde = (byte)'~';
    public const byte Star = (byte)'*';
    public const byte Percent = (byte)'%';
    public const byte Colon = (byte)':';
    public const byte Comma = (byte)',';
    public const byte Dot = (byte)'.';
    public const byte Dollar = (byte)'$';
    public const byte Ampersand = (byte)'&';
    public const byte Slash = (byte)'/';
    public const byte Zero = (byte)'0';
    public const byte Nine = (byte)'9';
    public const byte Del = 0x7F;

    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    public static bool IsDigit(byte b) => b is >= Zero and <= Nine;

    /// <summary>CTL = %x00-1F / %x7F (RFC 5234).</summary>
    public static bool IsControl(byte b) => b < 0x20 || b == Del;

    /// <remarks>
    /// <code>
    /// ATOM-CHAR    = &lt;any CHAR except atom-specials&gt;
    /// atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
    /// list-wildcards = "%" / "*"
    /// quoted-specials = DQUOTE / "\"
    /// resp-specials = "]"
    /// </code>
    /// </remarks>
    public static bool IsAtomChar(byte b) =>
        b is > 0x20 and < 0x7F
        && b != OpenParen && b != CloseParen && b != OpenBrace
        && b != Percent && b != Star && b != DoubleQuote && b != Backslash && b != CloseBracket;

    /// <summary>ASTRING-CHAR = ATOM-CHAR / resp-specials.</summary>
    public static bool IsAStringChar(byte b) => IsAtomChar(b) || b == CloseBracket;

    /// <summary>list-char = ATOM-CHAR / list-wildcards / resp-specials.</summary>
    public static bool IsListChar(byte b) => IsAStringChar(b) || b == Percent || b == Star;

    /// <summary>tag = 1*&lt;any ASTRING-CHAR except "+"&gt;.</summary>
    public static bool IsTagChar(byte b) => IsAStringChar(b) && b != Plus;
}
