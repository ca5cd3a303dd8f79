using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// Reads the tokens of one framed command: atoms, numbers, quoted strings, literals, sequence sets.
/// It walks the frame's lines; a literal marker at the end of a line stands for the literal that
/// follows it. Errors throw <see cref="ImapParseException"/> with the reason for the tagged BAD.
/// </summary>
internal sealed class ImapTokenizer
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ImapCommandFrame _frame;
    private int _lineIndex;
    private int _position;

    public ImapTokenizer(ImapCommandFrame frame, ImapParserOptions options)
    {
        _frame = frame;
        Options = options;
    }

    public ImapParserOptions Options { get; }

    private ReadOnlySpan<byte> Line => _frame.Lines[_lineIndex].Span;

    /// <summary>True at the end of the last line: the whole command was read.</summary>
    public bool AtEnd => _lineIndex == _frame.Lines.Count - 1 && _position >= Line.Length;

    /// <summary>The next byte, or 0 at the end of a line.</summary>
    public byte Peek() => _position < Line.Length ? Line[_position] : (byte)0;

    public byte PeekAt(int ahead) => _position + ahead < Line.Length ? Line[_position + ahead] : (byte)0;

    public void Skip(int count = 1) => _position += count;

    public bool TryConsume(byte b)
    {
        if (Peek() != b)
        {
            return false;
        }

        _position++;
        return true;
    }

    public void Expect(byte b, string what)
    {
        if (!TryConsume(b))
        {
            throw new ImapParseException("Expected " + what + ".");
        }
    }

    public void ExpectSpace() => Expect(ImapBytes.Space, "a space");

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw new ImapParseException("Unexpected extra arguments.");
        }
    }

    /// <summary>Case-insensitive look at the next bytes, without consuming them.</summary>
    public bool PeekKeyword(string keyword)
    {
        var line = Line[_position..];
        if (line.Length < keyword.Length)
        {
            return false;
        }

        for (var i = 0; i < keyword.Length; i++)
        {
            if (char.ToUpperInvariant((char)line[i]) != keyword[i])
            {
                return false;
            }
        }

        return line.Length == keyword.Length || !ImapBytes.IsAtomChar(line[keyword.Length]);
    }

    /// <summary>Consumes the keyword (case-insensitive) when it is next as a whole atom.</summary>
    public bool TryConsumeKeyword(string keyword)
    {
        if (!PeekKeyword(keyword))
        {
            return false;
        }

        _position += keyword.Length;
        return true;
    }

    /// <remarks><code>atom = 1*ATOM-CHAR</code></remarks>
    public string ReadAtom(string what = "an atom")
    {
        var line = Line;
        var start = _position;
        while (_position < line.Length && ImapBytes.IsAtomChar(line[_position]))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected " + what + ".");
        }

        return Encoding.ASCII.GetString(line[start.._position]);
    }

    /// <summary>An atom, upper-cased: command names, keywords.</summary>
    public string ReadKeyword(string what = "a keyword") => ReadAtom(what).ToUpperInvariant();

    /// <summary>Bytes matching <paramref name="accept"/>, at least one.</summary>
    public ReadOnlySpan<byte> ReadWhile(Func<byte, bool> accept, string what)
    {
        var line = Line;
        var start = _position;
        while (_position < line.Length && accept(line[_position]))
        {
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected " + what + ".");
        }

        return line[start.._position];
    }

    /// <remarks><code>number = 1*DIGIT ; unsigned 32-bit integer</code></remarks>
    public uint ReadNumber(string what = "a number")
    {
        var value = ReadNumber64(what);
        if (value > uint.MaxValue)
        {
            throw new ImapParseException("Number too large for " + what + ".");
        }

        return (uint)value;
    }

    /// <remarks><code>nz-number = digit-nz *DIGIT</code></remarks>
    public uint ReadNzNumber(string what = "a non-zero number")
    {
        var value = ReadNumber(what);
        if (value == 0)
        {
            throw new ImapParseException("Expected " + what + ", got 0.");
        }

        return value;
    }

    /// <remarks><code>number64 = 1*DIGIT ; unsigned 63-bit integer (RFC 9051)</code></remarks>
    public ulong ReadNumber64(string what = "a number")
    {
        var line = Line;
        var start = _position;
        ulong value = 0;
        while (_position < line.Length && ImapBytes.IsDigit(line[_position]))
        {
            var digit = (ulong)(line[_position] - ImapBytes.Zero);
            if (value > (long.MaxValue - digit) / 10)
            {
                throw new ImapParseException("Number too large for " + what + ".");
            }

            value = (value * 10) + digit;
            _position++;
        }

        if (_position == start)
        {
            throw new ImapParseException("Expected " + what + ".");
        }

        return value;
    }

    /// <remarks><code>astring = 1*ASTRING-CHAR / string</code></remarks>
    public string ReadAString(string what = "a string") => Decode(ReadAStringBytes(what), what);

    public byte[] ReadAStringBytes(string what = "a string") => ReadAStringBytes(what, declaredCharset: false);

    /// <param name="declaredCharset">
    /// The command named the string's charset (SEARCH CHARSET): 8-bit bytes in a quoted string are then
    /// taken as that charset's text, as Dovecot and Cyrus do, instead of being refused; the caller decodes.
    /// </param>
    public byte[] ReadAStringBytes(string what, bool declaredCharset)
    {
        var b = Peek();
        if (b == ImapBytes.DoubleQuote && declaredCharset)
        {
            // Note: RFC 3501 quoted strings are 7-bit, but clients (and Dovecot's own tests) send
            // SEARCH CHARSET UTF-8 TEXT "Grüße" as it is; with the charset named the bytes are
            // unambiguous, so they are accepted instead of a BAD (https://www.rfc-editor.org/rfc/rfc3501#section-6.4.4).
            return ReadQuoted(what, declaredCharset: true);
        }

        // "~" is an ATOM-CHAR: only "~{" starts a literal8; "~foo" is an atom (imaptest's atoms test).
        if (b == ImapBytes.DoubleQuote || b == ImapBytes.OpenBrace || (b == ImapBytes.Tilde && PeekAt(1) == ImapBytes.OpenBrace))
        {
            return ReadStringBytes(what);
        }

        return ReadWhile(ImapBytes.IsAStringChar, what).ToArray();
    }

    /// <remarks><code>string = quoted / literal</code></remarks>
    public string ReadString(string what = "a string") => Decode(ReadStringBytes(what), what);

    public byte[] ReadStringBytes(string what)
    {
        var b = Peek();
        if (b == ImapBytes.DoubleQuote)
        {
            return ReadQuoted(what);
        }

        if (b == ImapBytes.OpenBrace)
        {
            var literal = ReadLiteral(what, allowBinary: false);
            if (literal.Data.Span.Contains(ImapBytes.Nul))
            {
                throw new ImapParseException("NUL is not allowed in " + what + ".");
            }

            return literal.Data.ToArray();
        }

        throw new ImapParseException("Expected " + what + ".");
    }

    /// <remarks><code>nstring = string / nil</code></remarks>
    public string? ReadNString(string what)
    {
        if (TryConsumeKeyword("NIL"))
        {
            return null;
        }

        return ReadString(what);
    }

    /// <remarks>
    /// <code>
    /// quoted       = DQUOTE *QUOTED-CHAR DQUOTE
    /// QUOTED-CHAR  = &lt;any TEXT-CHAR except quoted-specials&gt; / "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
    /// </code>
    /// NUL, CR and LF are never allowed; 8-bit bytes only after UTF8=ACCEPT or IMAP4rev2, and then
    /// only as valid UTF-8.
    /// </remarks>
    public byte[] ReadQuoted(string what) => ReadQuoted(what, declaredCharset: false);

    private byte[] ReadQuoted(string what, bool declaredCharset)
    {
        Expect(ImapBytes.DoubleQuote, what);
        var line = Line;
        var output = new List<byte>(16);
        var has8Bit = false;
        while (true)
        {
            if (_position >= line.Length)
            {
                throw new ImapParseException("Unterminated quoted string in " + what + ".");
            }

            var b = line[_position++];
            if (b == ImapBytes.DoubleQuote)
            {
                break;
            }

            if (b == ImapBytes.Backslash)
            {
                var next = _position < line.Length ? line[_position] : (byte)0;
                if (next != ImapBytes.DoubleQuote && next != ImapBytes.Backslash)
                {
                    throw new ImapParseException("Only \\\" and \\\\ may be escaped in a quoted string.");
                }

                _position++;
                output.Add(next);
                continue;
            }

            if (b == ImapBytes.Nul || b == ImapBytes.CR || b == ImapBytes.LF)
            {
                throw new ImapParseException("NUL, CR and LF are not allowed in a quoted string.");
            }

            if (b >= 0x80)
            {
                if (!Options.Utf8Enabled && !declaredCharset)
                {
                    throw new ImapParseException("8-bit characters in a quoted string need a literal (or ENABLE UTF8=ACCEPT).");
                }

                has8Bit = true;
            }

            output.Add(b);
        }

        var bytes = output.ToArray();
        if (has8Bit && !declaredCharset)
        {
            _ = Decode(bytes, what);
        }

        return bytes;
    }

    /// <remarks>
    /// <code>
    /// literal  = "{" number64 ["+"] "}" CRLF *CHAR8
    /// literal8 = "~{" number64 ["+"] "}" CRLF *OCTET
    /// </code>
    /// The reader has already collected the bytes; the marker must end its line.
    /// </remarks>
    public ImapLiteral ReadLiteral(string what, bool allowBinary)
    {
        var binary = TryConsume(ImapBytes.Tilde);
        if (binary && !allowBinary)
        {
            throw new ImapParseException("A binary literal is not allowed in " + what + ".");
        }

        Expect(ImapBytes.OpenBrace, what);
        ReadNumber64("a literal size");
        TryConsume(ImapBytes.Plus);
        Expect(ImapBytes.CloseBrace, "'}' closing a literal size");
        if (_position != Line.Length || _lineIndex >= _frame.Literals.Count)
        {
            throw new ImapParseException("A literal marker must end its line.");
        }

        var literal = _frame.Literals[_lineIndex];
        _lineIndex++;
        _position = 0;
        return literal;
    }

    /// <remarks>
    /// <code>
    /// sequence-set = (seq-number / seq-range) ["," sequence-set] / "$"   ; "$" is RFC 5182
    /// seq-range    = seq-number ":" seq-number
    /// seq-number   = nz-number / "*"
    /// </code>
    /// </remarks>
    public ImapSequenceSet ReadSequenceSet()
    {
        if (TryConsume(ImapBytes.Dollar))
        {
            return ImapSequenceSet.SavedResult;
        }

        var ranges = new List<ImapSequenceRange>();
        do
        {
            var start = ReadSeqNumber();
            var end = start;
            if (TryConsume(ImapBytes.Colon))
            {
                end = ReadSeqNumber();
            }

            ranges.Add(new ImapSequenceRange(start, end));
            if (ranges.Count > 100_000)
            {
                throw new ImapParseException("Sequence set too long.");
            }
        }
        while (TryConsume(ImapBytes.Comma));

        return new ImapSequenceSet(ranges.ToArray());
    }

    private uint ReadSeqNumber()
    {
        if (TryConsume(ImapBytes.Star))
        {
            return ImapSequenceRange.Star;
        }

        if (!ImapBytes.IsDigit(Peek()))
        {
            throw new ImapParseException("Expected a sequence set.");
        }

        return ReadNzNumber("a sequence number");
    }

    /// <remarks>
    /// <code>
    /// flag-list = "(" [flag *(SP flag)] ")"
    /// flag      = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
    /// </code>
    /// </remarks>
    public IReadOnlyList<string> ReadFlagList()
    {
        Expect(ImapBytes.OpenParen, "'(' starting a flag list");
        var flags = new List<string>();
        if (TryConsume(ImapBytes.CloseParen))
        {
            return flags;
        }

        do
        {
            flags.Add(ReadFlag());
        }
        while (TryConsume(ImapBytes.Space));

        Expect(ImapBytes.CloseParen, "')' closing a flag list");
        return flags;
    }

    /// <remarks><code>flag-keyword = atom; flag-extension = "\" atom</code></remarks>
    public string ReadFlag()
    {
        if (TryConsume(ImapBytes.Backslash))
        {
            var name = ReadAtom("a flag name");
            return ImapFlags.Normalize("\\" + name);
        }

        return ReadAtom("a flag");
    }

    /// <remarks>
    /// <code>
    /// date      = date-text / DQUOTE date-text DQUOTE
    /// date-text = date-day "-" date-month "-" date-year
    /// </code>
    /// </remarks>
    public DateOnly ReadDate()
    {
        var quoted = TryConsume(ImapBytes.DoubleQuote);
        var day = ReadFixedDigits(1, 2, "a day");
        Expect(ImapBytes.Minus, "'-' in a date");
        var month = ReadMonth();
        Expect(ImapBytes.Minus, "'-' in a date");
        var year = ReadFixedDigits(4, 4, "a year");
        if (quoted)
        {
            Expect(ImapBytes.DoubleQuote, "'\"' closing a date");
        }

        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            throw new ImapParseException("Invalid date.");
        }

        return new DateOnly(year, month, day);
    }

    /// <remarks>
    /// <code>
    /// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
    /// date-day-fixed = (SP DIGIT) / 2DIGIT
    /// time = 2DIGIT ":" 2DIGIT ":" 2DIGIT
    /// zone = ("+" / "-") 4DIGIT
    /// </code>
    /// </remarks>
    public DateTimeOffset ReadDateTime()
    {
        Expect(ImapBytes.DoubleQuote, "'\"' starting a date-time");
        TryConsume(ImapBytes.Space);
        var day = ReadFixedDigits(1, 2, "a day");
        Expect(ImapBytes.Minus, "'-' in a date-time");
        var month = ReadMonth();
        Expect(ImapBytes.Minus, "'-' in a date-time");
        var year = ReadFixedDigits(4, 4, "a year");
        ExpectSpace();
        var hour = ReadFixedDigits(2, 2, "an hour");
        Expect(ImapBytes.Colon, "':' in a time");
        var minute = ReadFixedDigits(2, 2, "minutes");
        Expect(ImapBytes.Colon, "':' in a time");
        var second = ReadFixedDigits(2, 2, "seconds");
        ExpectSpace();
        var sign = Peek();
        if (sign != ImapBytes.Plus && sign != ImapBytes.Minus)
        {
            throw new ImapParseException("Expected a time zone.");
        }

        Skip();
        var zone = ReadFixedDigits(4, 4, "a time zone");
        Expect(ImapBytes.DoubleQuote, "'\"' closing a date-time");
        var offsetMinutes = ((zone / 100) * 60) + (zone % 100);
        if (year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60 || zone % 100 > 59 || offsetMinutes > 14 * 60)
        {
            throw new ImapParseException("Invalid date-time.");
        }

        var offset = TimeSpan.FromMinutes(sign == ImapBytes.Minus ? -offsetMinutes : offsetMinutes);
        return new DateTimeOffset(year, month, day, hour, minute, Math.Min(second, 59), offset);
    }

    private int ReadFixedDigits(int min, int max, string what)
    {
        var value = 0;
        var count = 0;
        while (count < max && ImapBytes.IsDigit(Peek()))
        {
            value = (value * 10) + (Peek() - ImapBytes.Zero);
            Skip();
            count++;
        }

        if (count < min)
        {
            throw new ImapParseException("Expected " + what + ".");
        }

        return value;
    }

    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    private int ReadMonth()
    {
        for (var i = 0; i < Months.Length; i++)
        {
            if (PeekKeywordPrefix(Months[i]))
            {
                Skip(3);
                return i + 1;
            }
        }

        throw new ImapParseException("Expected a month (Jan..Dec).");
    }

    private bool PeekKeywordPrefix(string prefix)
    {
        var line = Line[_position..];
        if (line.Length < prefix.Length)
        {
            return false;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (char.ToUpperInvariant((char)line[i]) != prefix[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The rest of the current line, raw (AUTHENTICATE's initial response).</summary>
    public string ReadRestOfLineAscii()
    {
        var rest = Line[_position..];
        _position = Line.Length;
        foreach (var b in rest)
        {
            if (b >= 0x80 || ImapBytes.IsControl(b))
            {
                throw new ImapParseException("Unexpected character.");
            }
        }

        return Encoding.ASCII.GetString(rest);
    }

    public static string Decode(byte[] bytes, string what)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ImapParseException("Invalid UTF-8 in " + what + ".");
        }
    }
}
