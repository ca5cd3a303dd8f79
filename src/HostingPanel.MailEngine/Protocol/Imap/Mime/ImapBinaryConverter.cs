using MimeKit;

namespace HostingPanel.MailEngine.Protocol.Imap.Mime;

/// <summary>
/// What an APPEND with a literal8 (RFC 3516 4.4) stores: its binary parts (Content-Transfer-Encoding
/// "binary", or content holding NUL) re-encoded as base64, so that BODY[] and every reader that is not
/// BINARY-aware get a valid 7-bit MIME message, while BINARY[part] decodes the original bytes back
/// exactly (bare LF and NUL included). Dovecot does the same (its binary converter stream); imaptest's
/// append-binary test holds servers to it.
/// </summary>
public static class ImapBinaryConverter
{
    /// <summary>The message to store: <paramref name="message"/> itself when no part needs converting.</summary>
    public static ReadOnlyMemory<byte> Convert(ReadOnlyMemory<byte> message)
    {
        MimeMessage parsed;
        try
        {
            using var input = new MemoryStream(message.ToArray(), writable: false);
            parsed = MimeMessage.Load(ImapMessageStructure.ParserOptions, input);
        }
        catch (FormatException)
        {
            return message;
        }

        var converted = false;
        foreach (var part in Parts(parsed.Body))
        {
            if (part.Content is null || !NeedsConverting(part))
            {
                continue;
            }

            part.ContentTransferEncoding = ContentEncoding.Base64;
            converted = true;
        }

        if (!converted)
        {
            return message;
        }

        using var output = new MemoryStream();
        parsed.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    private static bool NeedsConverting(MimePart part)
    {
        if (part.ContentTransferEncoding == ContentEncoding.Binary)
        {
            return true;
        }

        if (part.ContentTransferEncoding is ContentEncoding.Base64 or ContentEncoding.QuotedPrintable or ContentEncoding.UUEncode)
        {
            return false;
        }

        using var content = new MemoryStream();
        part.Content!.WriteTo(content);
        return content.GetBuffer().AsSpan(0, (int)content.Length).Contains((byte)0);
    }

    // Leaves of the MIME tree, also inside attached messages; depth is bounded by the parser options.
    private static IEnumerable<MimePart> Parts(MimeEntity? entity)
    {
        switch (entity)
        {
            case MimePart part:
                yield return part;
                break;
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    foreach (var leaf in Parts(child))
                    {
                        yield return leaf;
                    }
                }

                break;
            case MessagePart { Message: { } inner } when MimeEncapsulation.TryGetMessage(entity!, out _):
                foreach (var leaf in Parts(inner.Body))
                {
                    yield return leaf;
                }

                break;
        }
    }
}
