using System.Text;
using MimeKit;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// A reference for what the store computes once at delivery (DESIGN.md, "Engine / Store"): the IMAP
/// ENVELOPE and BODYSTRUCTURE strings (RFC 3501 section 7.4.2), from a message parsed by MimeKit.
/// It is the benchmark's own stand-in for the engine's writer, to price the work (parse + compute)
/// and its allocations; it is not the product's code and its output is not checked against Dovecot.
/// </summary>
internal static class ImapCacheWriter
{
    public static string Envelope(MimeMessage message)
    {
        var sb = new StringBuilder(256);
        sb.Append('(');
        NString(sb, message.Headers[HeaderId.Date]);
        sb.Append(' ');
        NString(sb, message.Headers[HeaderId.Subject]);
        foreach (var list in new[] { message.From, message.Sender is null ? message.From : new InternetAddressList([message.Sender]), message.ReplyTo.Count > 0 ? message.ReplyTo : message.From, message.To, message.Cc, message.Bcc })
        {
            sb.Append(' ');
            Addresses(sb, list);
        }
        sb.Append(' ');
        NString(sb, message.Headers[HeaderId.InReplyTo]);
        sb.Append(' ');
        NString(sb, message.Headers[HeaderId.MessageId]);
        sb.Append(')');
        return sb.ToString();
    }

    public static string BodyStructure(MimeEntity? entity)
    {
        var sb = new StringBuilder(256);
        Body(sb, entity);
        return sb.ToString();
    }

    private static void Body(StringBuilder sb, MimeEntity? entity)
    {
        if (entity is null)
        {
            sb.Append("(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
            return;
        }
        sb.Append('(');
        if (entity is Multipart multipart)
        {
            foreach (var child in multipart) Body(sb, child);
            if (multipart.Count == 0) sb.Append("(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
            sb.Append(' ');
            Quoted(sb, entity.ContentType.MediaSubtype.ToLowerInvariant());
            sb.Append(' ');
            Parameters(sb, entity.ContentType.Parameters);
        }
        else
        {
            var type = entity.ContentType;
            Quoted(sb, type.MediaType.ToLowerInvariant());
            sb.Append(' ');
            Quoted(sb, type.MediaSubtype.ToLowerInvariant());
            sb.Append(' ');
            Parameters(sb, type.Parameters);
            sb.Append(' ');
            NString(sb, entity.ContentId);
            sb.Append(' ');
            NString(sb, entity.Headers[HeaderId.ContentDescription]);
            sb.Append(' ');
            var (size, lines) = Measure(entity);
            Quoted(sb, entity is MimePart part ? EncodingName(part.ContentTransferEncoding) : "7bit");
            sb.Append(' ').Append(size);
            if (entity is MessagePart { Message: { } inner })
            {
                sb.Append(' ').Append(Envelope(inner)).Append(' ');
                Body(sb, inner.Body);
                sb.Append(' ').Append(lines);
            }
            else if (type.IsMimeType("text", "*"))
            {
                sb.Append(' ').Append(lines);
            }
        }
        sb.Append(')');
    }

    /// <summary>Encoded size in octets and line count of a leaf's body, as it is on the wire.</summary>
    private static (long Size, long Lines) Measure(MimeEntity entity)
    {
        // The content's own stream holds the body still transfer-encoded, as IMAP counts it.
        if (entity is MimePart { Content.Stream: { } stream })
        {
            stream.Position = 0;
            var buffer = new byte[8192];
            long size = 0, lines = 0;
            int read;
            var last = (byte)'\n';
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                size += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                last = buffer[read - 1];
            }
            if (size > 0 && last != (byte)'\n') lines++;
            return (size, lines);
        }
        return (0, 0);
    }

    private static string EncodingName(ContentEncoding encoding) => encoding switch
    {
        ContentEncoding.Base64 => "base64",
        ContentEncoding.QuotedPrintable => "quoted-printable",
        ContentEncoding.EightBit => "8bit",
        ContentEncoding.Binary => "binary",
        _ => "7bit",
    };

    private static void Parameters(StringBuilder sb, ParameterList parameters)
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
            if (!first) sb.Append(' ');
            first = false;
            Quoted(sb, p.Name.ToLowerInvariant());
            sb.Append(' ');
            Quoted(sb, p.Value);
        }
        sb.Append(')');
    }

    private static void Addresses(StringBuilder sb, InternetAddressList list)
    {
        var mailboxes = list.Mailboxes.ToList();
        if (mailboxes.Count == 0)
        {
            sb.Append("NIL");
            return;
        }
        sb.Append('(');
        foreach (var m in mailboxes)
        {
            sb.Append('(');
            NString(sb, string.IsNullOrEmpty(m.Name) ? null : m.Name);
            sb.Append(" NIL ");
            NString(sb, m.LocalPart);
            sb.Append(' ');
            NString(sb, m.Domain);
            sb.Append(')');
        }
        sb.Append(')');
    }

    private static void NString(StringBuilder sb, string? value)
    {
        if (value is null) sb.Append("NIL");
        else Quoted(sb, value);
    }

    /// <summary>A quoted string, or a literal when the value cannot be quoted (CR, LF, 8-bit).</summary>
    private static void Quoted(StringBuilder sb, string value)
    {
        var needsLiteral = false;
        foreach (var c in value)
        {
            if (c is '\r' or '\n' || c > 127) { needsLiteral = true; break; }
        }
        if (needsLiteral)
        {
            sb.Append('{').Append(Encoding.UTF8.GetByteCount(value)).Append("}\r\n").Append(value);
            return;
        }
        sb.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        sb.Append('"');
    }
}
