using HostingPanel.MailEngine.Protocol.Imap.Commands;
using MimeKit;
using MimeKit.Encodings;

namespace HostingPanel.MailEngine.Protocol.Imap.Mime;

/// <summary>What a section fetch yields: bytes, NIL (no such part), or an error for a tagged NO.</summary>
/// <param name="Data">The section's bytes, after &lt;partial&gt;; null means NIL.</param>
/// <param name="ContainsNul">Binary content with NUL: must be sent as literal8 (~{n}).</param>
/// <param name="ErrorCode">UNKNOWN-CTE when BINARY cannot decode the part.</param>
public readonly record struct ImapSectionData(ReadOnlyMemory<byte>? Data, bool ContainsNul = false, string? ErrorCode = null)
{
    public static ImapSectionData Nil => new(default(ReadOnlyMemory<byte>?));
}

/// <summary>
/// Serves BODY[section]&lt;partial&gt;, BINARY[part]&lt;partial&gt; and BINARY.SIZE from the raw message
/// and its <see cref="ImapMessageStructure"/>.
/// </summary>
public static class ImapSectionResolver
{
    public static ImapSectionData Body(ImapMessageStructure structure, ReadOnlyMemory<byte> raw, ImapSection section, ImapPartial? partial = null)
    {
        var data = Resolve(structure, raw, section);
        return data is { } bytes ? new ImapSectionData(ApplyPartial(bytes, partial)) : ImapSectionData.Nil;
    }

    /// <summary>The whole section before &lt;partial&gt;, or null when the part does not exist.</summary>
    public static ReadOnlyMemory<byte>? Resolve(ImapMessageStructure structure, ReadOnlyMemory<byte> raw, ImapSection section)
    {
        ReadOnlyMemory<byte> Range(long start, long end) => raw[(int)Math.Min(start, raw.Length)..(int)Math.Min(Math.Max(start, end), raw.Length)];

        if (section.Part.Count == 0)
        {
            var root = structure.Root;
            return MessageSection(root, section, Range);
        }

        var part = structure.FindPart(section.Part);
        if (part is null)
        {
            return null;
        }

        switch (section.Text)
        {
            case ImapSectionText.None:
                return Range(part.ContentStart, part.ContentEnd);
            case ImapSectionText.Mime:
                return Range(part.HeaderStart, part.ContentStart);
            default:
                // HEADER, TEXT and HEADER.FIELDS after a part number apply to an encapsulated message only.
                return part.Message is { } inner ? MessageSection(inner, section, Range) : default(ReadOnlyMemory<byte>?);
        }
    }

    private static ReadOnlyMemory<byte> MessageSection(ImapMessageNode message, ImapSection section, Func<long, long, ReadOnlyMemory<byte>> range) =>
        section.Text switch
        {
            ImapSectionText.Header => range(message.HeaderStart, message.BodyStart),
            ImapSectionText.Text => range(message.BodyStart, message.End),
            ImapSectionText.HeaderFields => ImapHeaderBlock.Filter(range(message.HeaderStart, message.BodyStart).Span, section.Fields, exclude: false),
            ImapSectionText.HeaderFieldsNot => ImapHeaderBlock.Filter(range(message.HeaderStart, message.BodyStart).Span, section.Fields, exclude: true),
            _ => range(message.HeaderStart, message.End),
        };

    /// <summary>
    /// &lt;offset.length&gt;: an offset at or past the end gives an empty string, not NIL or an error
    /// (RFC 9051 section 6.4.5).
    /// </summary>
    public static ReadOnlyMemory<byte> ApplyPartial(ReadOnlyMemory<byte> data, ImapPartial? partial)
    {
        if (partial is not { } p)
        {
            return data;
        }

        if (p.Offset >= data.Length)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var available = data.Length - (int)p.Offset;
        return data.Slice((int)p.Offset, (int)Math.Min(available, p.Length));
    }

    /// <summary>BINARY[part]: the part's content with its Content-Transfer-Encoding undone (RFC 3516).</summary>
    public static ImapSectionData Binary(ImapMessageStructure structure, ReadOnlyMemory<byte> raw, ImapSection section, ImapPartial? partial = null)
    {
        var decoded = DecodeBinary(structure, raw, section);
        if (decoded.Data is not { } data)
        {
            return decoded;
        }

        var sliced = ApplyPartial(data, partial);
        return new ImapSectionData(sliced, sliced.Span.Contains(ImapBytes.Nul));
    }

    /// <summary>BINARY.SIZE[part]: the decoded size, or null for NIL / an error code.</summary>
    public static (long? Size, string? ErrorCode) BinarySize(ImapMessageStructure structure, ReadOnlyMemory<byte> raw, ImapSection section)
    {
        var decoded = DecodeBinary(structure, raw, section);
        return (decoded.Data?.Length, decoded.ErrorCode);
    }

    private static ImapSectionData DecodeBinary(ImapMessageStructure structure, ReadOnlyMemory<byte> raw, ImapSection section)
    {
        var content = Resolve(structure, raw, section with { Text = ImapSectionText.None });
        if (content is not { } bytes)
        {
            return ImapSectionData.Nil;
        }

        if (section.Part.Count == 0 || structure.FindPart(section.Part) is not { Entity: MimePart leaf })
        {
            // The whole message, multiparts and message parts are not decoded.
            return new ImapSectionData(bytes, bytes.Span.Contains(ImapBytes.Nul));
        }

        if (leaf.ContentTransferEncoding == ContentEncoding.QuotedPrintable)
        {
            var qp = ImapQuotedPrintable.Decode(bytes.Span);
            return new ImapSectionData(qp, qp.AsSpan().Contains(ImapBytes.Nul));
        }

        IMimeDecoder? decoder = leaf.ContentTransferEncoding switch
        {
            ContentEncoding.Base64 => new Base64Decoder(),
            ContentEncoding.UUEncode => new UUDecoder(),
            ContentEncoding.Default or ContentEncoding.SevenBit or ContentEncoding.EightBit or ContentEncoding.Binary => null,
            _ => null,
        };

        var header = leaf.Headers[HeaderId.ContentTransferEncoding];
        if (decoder is null && header is not null && !IsIdentityEncoding(header.Trim()))
        {
            return new ImapSectionData(default(ReadOnlyMemory<byte>?), false, ImapResponseCode.UnknownCte);
        }

        if (decoder is null)
        {
            return new ImapSectionData(bytes, bytes.Span.Contains(ImapBytes.Nul));
        }

        var input = bytes.ToArray();
        var output = new byte[decoder.EstimateOutputLength(input.Length)];
        var length = decoder.Decode(input, 0, input.Length, output);
        var decoded = output.AsMemory(0, length);
        return new ImapSectionData(decoded, decoded.Span.Contains(ImapBytes.Nul));
    }

    private static bool IsIdentityEncoding(string value) =>
        value.Equals("7bit", StringComparison.OrdinalIgnoreCase)
        || value.Equals("8bit", StringComparison.OrdinalIgnoreCase)
        || value.Equals("binary", StringComparison.OrdinalIgnoreCase)
        || value.Length == 0;
}
