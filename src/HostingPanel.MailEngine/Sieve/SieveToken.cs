namespace HostingPanel.MailEngine.Sieve;

internal enum SieveTokenKind
{
    Identifier,
    Tag,
    Number,
    String,
    LeftBracket,
    RightBracket,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    Comma,
    Semicolon,
    End,
}

/// <param name="Text">Identifier or tag name (lower case, tag without the colon), or the string's value.</param>
/// <param name="Number">A number's value with its K/M/G quantifier applied.</param>
internal readonly record struct SieveToken(SieveTokenKind Kind, string Text, long Number, int Line);
