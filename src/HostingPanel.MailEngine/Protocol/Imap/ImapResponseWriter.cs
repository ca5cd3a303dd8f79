using System.Buffers;
using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// Writes IMAP responses into an <see cref="IBufferWriter{T}"/>: tagged, untagged and continuation
/// lines, and the data items inside them. Strings are written in the lightest form that keeps
/// them intact: atom, quoted, or literal (8-bit, CR, LF or NUL force a literal; 8-bit stays quoted
/// once UTF8=ACCEPT is on).
/// </summary>
/// <remarks>
/// <code>
/// response-tagged = tag SP resp-cond-state CRLF
/// resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
/// resp-text       = ["[" resp-text-code "]" SP] [text]
/// continue-req    = "+" [SP (resp-text / base64)] CRLF
/// string          = quoted / literal
/// nstring         = string / nil
/// </code>
/// </remarks>
public sealed class ImapResponseWriter(IBufferWriter<byte> output, bool utf8Enabled = false)
{
    private const int MaxQuotedLength = 1024;

    public bool Utf8Enabled { get; set; } = utf8Enabled;

    public IBufferWriter<byte> Output => output;

    /// <summary>"* " starts an untagged response.</summary>
    public ImapResponseWriter Untagged() => Raw("* "u8);

    /// <summary>A complete status line: "tag OK [code] text" or "* BYE text".</summary>
    public void Status(string tag, ImapStatus status, string? code, string text)
    {
        Ascii(tag).Space().Raw(status switch
        {
            ImapStatus.Ok => "OK"u8,
            ImapStatus.No => "NO"u8,
            ImapStatus.Bad => "BAD"u8,
            ImapStatus.Bye => "BYE"u8,
            _ => "PREAUTH"u8,
        }).Space();
        if (code is not null)
        {
            Raw("["u8).Text(code).Raw("] "u8);
        }

        Text(text).EndLine();
    }

    public void Tagged(string tag, ImapStatus status, string text, string? code = null) => Status(tag, status, code, text);

    public void UntaggedStatus(ImapStatus status, string text, string? code = null) => Status("*", status, code, text);

    /// <summary>"+ text": the server waits for a literal or a SASL response.</summary>
    public void Continuation(string text = "Ready")
    {
        Raw("+ "u8).Text(text).EndLine();
    }

    public ImapResponseWriter EndLine() => Raw(ImapBytes.Crlf);

    public ImapResponseWriter Space() => Byte(ImapBytes.Space);

    public ImapResponseWriter OpenList() => Byte(ImapBytes.OpenParen);

    public ImapResponseWriter CloseList() => Byte(ImapBytes.CloseParen);

    public ImapResponseWriter Nil() => Raw("NIL"u8);

    public ImapResponseWriter Byte(byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
        return this;
    }

    public ImapResponseWriter Raw(ReadOnlySpan<byte> bytes)
    {
        output.Write(bytes);
        return this;
    }

    /// <summary>Atoms, keywords, flags: written as they are (they must be ASCII).</summary>
    public ImapResponseWriter Atom(string atom) => Ascii(atom);

    public ImapResponseWriter Number(ulong value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        output.Advance(written);
        return this;
    }

    public ImapResponseWriter Number(long value) => Number((ulong)Math.Max(0, value));

    /// <summary>Human text after a status or in a continuation; CR and LF are replaced so the line stays one line.</summary>
    public ImapResponseWriter Text(string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var written = Encoding.UTF8.GetBytes(text, span);
        for (var i = 0; i < written; i++)
        {
            if (span[i] is ImapBytes.CR or ImapBytes.LF or ImapBytes.Nul)
            {
                span[i] = ImapBytes.Space;
            }
        }

        output.Advance(written);
        return this;
    }

    /// <summary>NIL for null, else <see cref="String(string)"/>.</summary>
    public ImapResponseWriter NString(string? value) => value is null ? Nil() : String(value);

    public ImapResponseWriter String(string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > 256)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(bytes);
            try
            {
                var count = Encoding.UTF8.GetBytes(value, buffer);
                return String(buffer.AsSpan(0, count));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        Span<byte> local = stackalloc byte[bytes];
        Encoding.UTF8.GetBytes(value, local);
        return String(local);
    }

    /// <summary>Quoted when every byte may be quoted, else a literal.</summary>
    public ImapResponseWriter String(ReadOnlySpan<byte> value)
    {
        if (CanQuote(value))
        {
            Byte(ImapBytes.DoubleQuote);
            foreach (var b in value)
            {
                if (b is ImapBytes.DoubleQuote or ImapBytes.Backslash)
                {
                    Byte(ImapBytes.Backslash);
                }

                Byte(b);
            }

            return Byte(ImapBytes.DoubleQuote);
        }

        return Literal(value);
    }

    public ImapResponseWriter NString(ReadOnlySpan<byte> value, bool isNil) => isNil ? Nil() : String(value);

    /// <summary>An atom when the value is one (and not "NIL"), else a string.</summary>
    public ImapResponseWriter AString(string value)
    {
        if (value.Length > 0 && !value.Equals("NIL", StringComparison.OrdinalIgnoreCase) && value.All(c => c < 0x80 && ImapBytes.IsAStringChar((byte)c)))
        {
            return Ascii(value);
        }

        return String(value);
    }

    /// <summary>A mailbox name in wire form (modified UTF-7 unless UTF-8 is enabled).</summary>
    public ImapResponseWriter Mailbox(string name) => AString(ImapMailboxName.Encode(name, Utf8Enabled));

    /// <summary>{n}CRLF then the bytes.</summary>
    public ImapResponseWriter Literal(ReadOnlySpan<byte> value)
    {
        Byte(ImapBytes.OpenBrace).Number((ulong)value.Length).Byte(ImapBytes.CloseBrace).EndLine();
        return Raw(value);
    }

    /// <summary>
    /// Message content: a literal, or a literal8 when it holds NUL, which a literal may not (RFC 9051 4.3,
    /// RFC 3516 4.3): a body stored from a binary APPEND is sent back as it was given.
    /// </summary>
    public ImapResponseWriter Content(ReadOnlySpan<byte> value) =>
        value.Contains(ImapBytes.Nul) ? Literal8(value) : Literal(value);

    /// <summary>The header of a literal whose bytes the caller writes or streams next.</summary>
    public ImapResponseWriter LiteralHeader(long length, bool binary = false)
    {
        if (binary)
        {
            Byte(ImapBytes.Tilde);
        }

        return Byte(ImapBytes.OpenBrace).Number(length).Byte(ImapBytes.CloseBrace).EndLine();
    }

    /// <summary>~{n}CRLF then the bytes (RFC 3516, for BINARY content holding NUL).</summary>
    public ImapResponseWriter Literal8(ReadOnlySpan<byte> value)
    {
        LiteralHeader(value.Length, binary: true);
        return Raw(value);
    }

    /// <summary>A parenthesized list of atoms (flags, capabilities).</summary>
    public ImapResponseWriter AtomList(IEnumerable<string> atoms)
    {
        OpenList();
        var first = true;
        foreach (var atom in atoms)
        {
            if (!first)
            {
                Space();
            }

            first = false;
            Atom(atom);
        }

        return CloseList();
    }

    private ImapResponseWriter Ascii(string text)
    {
        var span = output.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = text[i] < 0x80 ? (byte)text[i] : (byte)'?';
        }

        output.Advance(text.Length);
        return this;
    }

    private bool CanQuote(ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxQuotedLength)
        {
            return false;
        }

        var has8Bit = false;
        foreach (var b in value)
        {
            if (b is ImapBytes.Nul or ImapBytes.CR or ImapBytes.LF)
            {
                return false;
            }

            if (b >= 0x80)
            {
                has8Bit = true;
            }
        }

        return !has8Bit || (Utf8Enabled && System.Text.Unicode.Utf8.IsValid(value));
    }
}
