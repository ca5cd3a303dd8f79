using System.Text;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// Splits a script into tokens (RFC 5228 section 8.1). Identifiers and tags are case-insensitive and
/// come out in lower case. Line numbers count LF, so errors point at the line an editor shows.
/// </summary>
/// <remarks>
/// <code>
/// identifier    = (ALPHA / "_") *(ALPHA / DIGIT / "_")
/// tag           = ":" identifier
/// number        = 1*DIGIT [ QUANTIFIER ]      QUANTIFIER = "K" / "M" / "G"
/// quoted-string = DQUOTE quoted-text DQUOTE  ("\" escapes the next character)
/// multi-line    = "text:" *(SP / HTAB) (hash-comment / CRLF)
///                 *(multiline-literal / multiline-dotstart) "." CRLF
/// comment       = "#" ... CRLF / "/*" ... "*/"
/// </code>
/// Note: a bare LF ends a line as CRLF does, as Pigeonhole accepts scripts saved on Unix.
/// </remarks>
internal sealed class SieveLexer(string text)
{
    private int _pos;
    private int _line = 1;

    public List<SieveToken> Tokenize()
    {
        var tokens = new List<SieveToken>();
        while (true)
        {
            var token = Next();
            tokens.Add(token);
            if (token.Kind == SieveTokenKind.End)
                return tokens;
        }
    }

    private SieveToken Next()
    {
        SkipWhitespaceAndComments();
        if (_pos >= text.Length)
            return new SieveToken(SieveTokenKind.End, "", 0, _line);
        var c = text[_pos];
        var line = _line;
        switch (c)
        {
            case '[': _pos++; return new SieveToken(SieveTokenKind.LeftBracket, "[", 0, line);
            case ']': _pos++; return new SieveToken(SieveTokenKind.RightBracket, "]", 0, line);
            case '(': _pos++; return new SieveToken(SieveTokenKind.LeftParen, "(", 0, line);
            case ')': _pos++; return new SieveToken(SieveTokenKind.RightParen, ")", 0, line);
            case '{': _pos++; return new SieveToken(SieveTokenKind.LeftBrace, "{", 0, line);
            case '}': _pos++; return new SieveToken(SieveTokenKind.RightBrace, "}", 0, line);
            case ',': _pos++; return new SieveToken(SieveTokenKind.Comma, ",", 0, line);
            case ';': _pos++; return new SieveToken(SieveTokenKind.Semicolon, ";", 0, line);
            case '"': return QuotedString();
            case ':':
                _pos++;
                if (_pos >= text.Length || !IsIdentifierStart(text[_pos]))
                    throw new SieveCompileException(line, "a tag needs a name after ':'");
                return new SieveToken(SieveTokenKind.Tag, Identifier(), 0, line);
        }
        if (char.IsAsciiDigit(c))
            return NumberToken();
        if (IsIdentifierStart(c))
        {
            var name = Identifier();
            if (name == "text" && _pos < text.Length && text[_pos] == ':')
            {
                _pos++;
                return MultiLine(line);
            }
            return new SieveToken(SieveTokenKind.Identifier, name, 0, line);
        }
        throw new SieveCompileException(line, $"unexpected character '{Printable(c)}'");
    }

    private void SkipWhitespaceAndComments()
    {
        while (_pos < text.Length)
        {
            var c = text[_pos];
            if (c == '\n')
            {
                _line++;
                _pos++;
            }
            else if (c is ' ' or '\t' or '\r')
            {
                _pos++;
            }
            else if (c == '#')
            {
                while (_pos < text.Length && text[_pos] != '\n')
                    _pos++;
            }
            else if (c == '/' && _pos + 1 < text.Length && text[_pos + 1] == '*')
            {
                var startLine = _line;
                _pos += 2;
                while (true)
                {
                    if (_pos >= text.Length)
                        throw new SieveCompileException(startLine, "unterminated comment");
                    if (text[_pos] == '*' && _pos + 1 < text.Length && text[_pos + 1] == '/')
                    {
                        _pos += 2;
                        break;
                    }
                    if (text[_pos] == '\n')
                        _line++;
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private string Identifier()
    {
        var start = _pos;
        while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_'))
            _pos++;
        return text[start.._pos].ToLowerInvariant();
    }

    private SieveToken NumberToken()
    {
        var line = _line;
        long value = 0;
        while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
        {
            value = checked(value * 10 + (text[_pos] - '0'));
            if (value > uint.MaxValue)
                throw new SieveCompileException(line, "number too large");
            _pos++;
        }
        if (_pos < text.Length)
        {
            var shift = char.ToUpperInvariant(text[_pos]) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
            if (shift > 0)
            {
                _pos++;
                value <<= shift;
            }
        }
        if (_pos < text.Length && IsIdentifierStart(text[_pos]))
            throw new SieveCompileException(line, "a number is followed by letters");
        return new SieveToken(SieveTokenKind.Number, "", value, line);
    }

    private SieveToken QuotedString()
    {
        var line = _line;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= text.Length)
                throw new SieveCompileException(line, "unterminated string");
            var c = text[_pos++];
            if (c == '"')
                return new SieveToken(SieveTokenKind.String, sb.ToString(), 0, line);
            if (c == '\\')
            {
                if (_pos >= text.Length)
                    throw new SieveCompileException(line, "unterminated string");
                c = text[_pos++];
            }
            if (c == '\n')
            {
                _line++;
                // RFC 5228 section 2.4.2: a line break inside a quoted string is CRLF in the value.
                if (sb.Length == 0 || sb[^1] != '\r')
                    sb.Append('\r');
            }
            sb.Append(c);
        }
    }

    private SieveToken MultiLine(int line)
    {
        while (_pos < text.Length && text[_pos] is ' ' or '\t')
            _pos++;
        if (_pos < text.Length && text[_pos] == '#')
        {
            while (_pos < text.Length && text[_pos] != '\n')
                _pos++;
        }
        if (_pos < text.Length && text[_pos] == '\r')
            _pos++;
        if (_pos >= text.Length || text[_pos] != '\n')
            throw new SieveCompileException(line, "'text:' must be followed by the end of the line");
        _pos++;
        _line++;
        var sb = new StringBuilder();
        while (true)
        {
            if (_pos >= text.Length)
                throw new SieveCompileException(line, "unterminated multi-line string (a line with a single '.' ends it)");
            var end = text.IndexOf('\n', _pos);
            var lineEnd = end < 0 ? text.Length : end;
            var content = text.AsSpan(_pos, lineEnd - _pos);
            if (content.Length > 0 && content[^1] == '\r')
                content = content[..^1];
            _pos = end < 0 ? text.Length : end + 1;
            _line++;
            if (content is ".")
                return new SieveToken(SieveTokenKind.String, sb.ToString(), 0, line);
            if (end < 0)
                throw new SieveCompileException(line, "unterminated multi-line string (a line with a single '.' ends it)");
            // Dot-stuffing: a line that starts with ".." stands for one starting with ".".
            if (content.StartsWith(".."))
                content = content[1..];
            sb.Append(content).Append("\r\n");
        }
    }

    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static string Printable(char c) => char.IsControl(c) ? $"\\x{(int)c:X2}" : c.ToString();
}
