using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// ENVELOPE, BODYSTRUCTURE and BODY of a message in IMAP wire syntax (RFC 9051 section 7.5.2),
/// computed once at delivery so that FETCH copies them out without parsing the message again.
/// Strings that are not plain 7-bit are written as literals (<c>{n}\r\n...</c>), so the
/// texts are emitted exactly as stored.
/// </summary>
/// <param name="HeaderSize">
/// Bytes of the top-level header, blank line included (the IMAP [HEADER] section), or -1 when the
/// message could not be parsed: header-only FETCH and SEARCH then read the whole body.
/// </param>
public sealed record ImapMessageSummary(string Envelope, string BodyStructure, string Body, long HeaderSize = -1)
{
    private static readonly ParserOptions Options = new() { MaxMimeDepth = 32 };

    public static ImapMessageSummary Parse(Stream stream)
    {
        var offsets = new Dictionary<MimeEntity, (long HeadersEnd, long End, int Lines)>(ReferenceEqualityComparer.Instance);
        var parser = new MimeParser(Options, stream, MimeFormat.Entity, persistent: false);
        parser.MimeEntityEnd += (_, e) => offsets[e.Entity] = (e.HeadersEndOffset, e.EndOffset, e.Lines);
        var messageOffsets = new Dictionary<MimeMessage, (long Begin, long HeadersEnd)>(ReferenceEqualityComparer.Instance);
        var begins = new Dictionary<MimeMessage, long>(ReferenceEqualityComparer.Instance);
        parser.MimeMessageBegin += (_, e) => begins[e.Message] = e.BeginOffset;
        parser.MimeMessageEnd += (_, e) => messageOffsets[e.Message] = (begins.GetValueOrDefault(e.Message, -1), e.HeadersEndOffset);
        MimeMessage message;
        try
        {
            message = parser.ParseMessage();
        }
        catch (FormatException)
        {
            // Note: a body MimeKit cannot parse still has to be stored (RFC 5321 says accept what we can);
            // describe it as one opaque text part.
            var size = stream.Length;
            const string empty = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
            var text = $"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {size} 0";
            return new ImapMessageSummary(empty, text + " NIL NIL NIL NIL)", text + ")");
        }

        var envelope = new StringBuilder();
        WriteEnvelope(envelope, message);
        var full = new StringBuilder();
        WriteBody(full, message.Body ?? new TextPart("plain"), offsets, extensible: true);
        var simple = new StringBuilder();
        WriteBody(simple, message.Body ?? new TextPart("plain"), offsets, extensible: false);
        // The same offsets ImapMessageStructure gives [HEADER]: the top message starts at 0 in a body file.
        var headerSize = messageOffsets.TryGetValue(message, out var top) && top.Begin == 0 ? top.HeadersEnd : -1;
        return new ImapMessageSummary(envelope.ToString(), full.ToString(), simple.ToString(), headerSize);
    }

    // One ENVELOPE writer for the cache and for FETCH (source routes, groups, missing domains alike).
    private static void WriteEnvelope(StringBuilder sb, MimeMessage message) =>
        sb.Append(Encoding.UTF8.GetString(HostingPanel.MailEngine.Protocol.Imap.Mime.ImapEnvelopeWriter.ToBytes(message)));

    private static string? RawHeader(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0)
            return null;
        var raw = headers[index].RawValue;
        var text = Encoding.UTF8.GetString(raw).Replace("\r", "").Replace("\n", "").Trim();
        return text;
    }

    private static void WriteBody(StringBuilder sb, MimeEntity entity, Dictionary<MimeEntity, (long HeadersEnd, long End, int Lines)> offsets, bool extensible)
    {
        var type = entity.ContentType;
        if (entity is Multipart multipart)
        {
            sb.Append('(');
            if (multipart.Count == 0)
            {
                // RFC 9051 requires at least one part; describe an empty multipart as an empty text part.
                sb.Append("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)");
            }
            foreach (var part in multipart)
                WriteBody(sb, part, offsets, extensible);
            sb.Append(' ');
            WriteString(sb, type.MediaSubtype);
            if (extensible)
            {
                sb.Append(' ');
                WriteParameters(sb, type.Parameters);
                sb.Append(' ');
                WriteDisposition(sb, entity);
                sb.Append(' ');
                WriteLanguage(sb, entity);
                sb.Append(' ');
                WriteNString(sb, entity.ContentLocation?.ToString());
            }
            sb.Append(')');
            return;
        }

        offsets.TryGetValue(entity, out var o);
        var size = Math.Max(0, o.End - o.HeadersEnd);
        sb.Append('(');
        WriteString(sb, type.MediaType);
        sb.Append(' ');
        WriteString(sb, type.MediaSubtype);
        sb.Append(' ');
        var parameters = type.Parameters;
        if (parameters.Count == 0 && type.IsMimeType("text", "*"))
            sb.Append("(\"charset\" \"us-ascii\")");
        else
            WriteParameters(sb, parameters);
        sb.Append(' ');
        WriteNString(sb, RawHeader(entity.Headers, HeaderId.ContentId));
        sb.Append(' ');
        WriteNString(sb, RawHeader(entity.Headers, HeaderId.ContentDescription));
        sb.Append(' ');
        WriteString(sb, RawHeader(entity.Headers, HeaderId.ContentTransferEncoding) ?? "7bit");
        sb.Append(' ').Append(size);
        if (Protocol.MimeEncapsulation.TryGetMessage(entity, out var inner))
        {
            sb.Append(' ');
            WriteEnvelope(sb, inner);
            sb.Append(' ');
            WriteBody(sb, inner.Body ?? new TextPart("plain"), offsets, extensible);
            sb.Append(' ').Append(o.Lines);
        }
        else if (type.IsMimeType("text", "*"))
        {
            sb.Append(' ').Append(o.Lines);
        }
        if (extensible)
        {
            sb.Append(' ');
            WriteNString(sb, RawHeader(entity.Headers, HeaderId.ContentMd5));
            sb.Append(' ');
            WriteDisposition(sb, entity);
            sb.Append(' ');
            WriteLanguage(sb, entity);
            sb.Append(' ');
            WriteNString(sb, entity.ContentLocation?.ToString());
        }
        sb.Append(')');
    }

    private static void WriteParameters(StringBuilder sb, ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        var first = true;
        foreach (var p in parameters)
        {
            if (!first)
                sb.Append(' ');
            first = false;
            WriteString(sb, p.Name);
            sb.Append(' ');
            WriteString(sb, p.Value);
        }
        sb.Append(')');
    }

    private static void WriteDisposition(StringBuilder sb, MimeEntity entity)
    {
        if (entity.ContentDisposition is not { } disposition)
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        WriteString(sb, disposition.Disposition);
        sb.Append(' ');
        WriteParameters(sb, disposition.Parameters);
        sb.Append(')');
    }

    private static void WriteLanguage(StringBuilder sb, MimeEntity entity)
    {
        var raw = RawHeader(entity.Headers, HeaderId.ContentLanguage);
        if (string.IsNullOrEmpty(raw))
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        var first = true;
        foreach (var tag in raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!first)
                sb.Append(' ');
            first = false;
            WriteString(sb, tag);
        }
        sb.Append(')');
    }

    private static void WriteNString(StringBuilder sb, string? value)
    {
        if (value is null)
            sb.Append("NIL");
        else
            WriteString(sb, value);
    }

    /// <summary>A quoted string when it is short 7-bit text without CR/LF, else a literal.</summary>
    internal static void WriteString(StringBuilder sb, string value)
    {
        var quotable = value.Length < 1024;
        foreach (var c in value)
        {
            if (c >= 128 || c == '\r' || c == '\n' || c == '\0')
            {
                quotable = false;
                break;
            }
        }
        if (quotable)
        {
            sb.Append('"');
            foreach (var c in value)
            {
                if (c is '"' or '\\')
                    sb.Append('\\');
                sb.Append(c);
            }
            sb.Append('"');
        }
        else
        {
            sb.Append('{').Append(Encoding.UTF8.GetByteCount(value)).Append("}\r\n").Append(value);
        }
    }
}
