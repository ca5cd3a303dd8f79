using System.Buffers;
using MimeKit;

namespace HostingPanel.MailEngine.Protocol.Imap.Mime;

/// <summary>BODYSTRUCTURE (extensible) and BODY (non-extensible) of RFC 9051 section 7.5.2.</summary>
/// <remarks>
/// <code>
/// body            = "(" (body-type-1part / body-type-mpart) ")"
/// body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
/// body-type-basic = media-basic SP body-fields
/// body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
/// body-type-text  = media-text SP body-fields SP body-fld-lines
/// body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
/// body-ext-1part  = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
/// body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
/// body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
/// body-fld-dsp    = "(" string SP body-fld-param ")" / nil
/// body-fld-lang   = nstring / "(" string *(SP string) ")"
/// </code>
/// Octets and lines are the content's as it is stored (still transfer-encoded).
/// </remarks>
public static class ImapBodyStructureWriter
{
    public static byte[] ToBytes(ImapMessageStructure structure, bool extensible)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(new ImapResponseWriter(buffer), structure.Root.Body, extensible);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(ImapResponseWriter w, ImapBodyPart part, bool extensible)
    {
        w.OpenList();
        if (part.Entity is Multipart multipart)
        {
            if (part.Children.Count == 0)
            {
                // The grammar needs at least one body: stand in an empty text part, as Dovecot does.
                w.Raw("(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)"u8);
            }

            foreach (var child in part.Children)
            {
                Write(w, child, extensible);
            }

            w.Space().String(multipart.ContentType.MediaSubtype);
            if (extensible)
            {
                w.Space();
                Parameters(w, multipart.ContentType.Parameters);
                w.Space();
                Extensions(w, multipart);
            }
        }
        else
        {
            var entity = part.Entity;
            var type = entity.ContentType;
            w.String(type.MediaType).Space().String(type.MediaSubtype).Space();
            if (type.Parameters.Count == 0 && type.IsMimeType("text", "*"))
            {
                // RFC 2045 section 5.2: text without a charset is us-ascii; say so, as Dovecot does.
                w.Raw("(\"charset\" \"us-ascii\")"u8);
            }
            else
            {
                Parameters(w, type.Parameters);
            }

            w.Space().NString(HeaderValue(entity, HeaderId.ContentId));
            w.Space().NString(HeaderValue(entity, HeaderId.ContentDescription));
            // RFC 2045 section 6.1: no Content-Transfer-Encoding means 7bit.
            w.Space().String(HeaderValue(entity, HeaderId.ContentTransferEncoding) ?? "7bit");
            w.Space().Number(part.ContentLength);
            if (part.Message is { } inner)
            {
                w.Space();
                ImapEnvelopeWriter.Write(w, inner.Message);
                w.Space();
                Write(w, inner.Body, extensible);
                w.Space().Number((long)part.Lines);
            }
            else if (type.IsMimeType("text", "*"))
            {
                w.Space().Number((long)part.Lines);
            }

            if (extensible)
            {
                w.Space().NString(HeaderValue(entity, HeaderId.ContentMd5));
                w.Space();
                Extensions(w, entity);
            }
        }

        w.CloseList();
    }

    /// <summary>body-fld-dsp SP body-fld-lang SP body-fld-loc.</summary>
    private static void Extensions(ImapResponseWriter w, MimeEntity entity)
    {
        if (entity.ContentDisposition is { } disposition)
        {
            w.OpenList().String(disposition.Disposition).Space();
            Parameters(w, disposition.Parameters);
            w.CloseList();
        }
        else
        {
            w.Nil();
        }

        w.Space();
        var languages = HeaderValue(entity, HeaderId.ContentLanguage);
        if (languages is null)
        {
            w.Nil();
        }
        else
        {
            var list = languages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (list.Length == 1)
            {
                w.String(list[0]);
            }
            else
            {
                w.OpenList();
                for (var i = 0; i < list.Length; i++)
                {
                    if (i > 0)
                    {
                        w.Space();
                    }

                    w.String(list[i]);
                }

                w.CloseList();
            }
        }

        w.Space().NString(HeaderValue(entity, HeaderId.ContentLocation));
    }

    private static void Parameters(ImapResponseWriter w, ParameterList parameters)
    {
        if (parameters.Count == 0)
        {
            w.Nil();
            return;
        }

        w.OpenList();
        var first = true;
        foreach (var parameter in parameters)
        {
            if (!first)
            {
                w.Space();
            }

            first = false;
            w.String(parameter.Name).Space().String(parameter.Value ?? string.Empty);
        }

        w.CloseList();
    }

    private static string? HeaderValue(MimeEntity entity, HeaderId id) => ImapEnvelopeWriter.RawValue(entity.Headers, id);
}
