using MimeKit;

namespace HostingPanel.MailEngine.Protocol;

/// <summary>
/// Which MIME parts encapsulate a whole message. MimeKit parses text/rfc822-headers (RFC 6522, the third
/// part of every delivery status notification, ours included) as a <see cref="MessagePart"/> subclass,
/// <see cref="TextRfc822Headers"/>, holding a message with headers and no body; but for IMAP it is a
/// text part (RFC 9051 section 7.5.2 body-type-text: fields and lines, no envelope, no nested body), and
/// its "message" has no body to describe. Treating it as message/rfc822 wrote an invalid BODYSTRUCTURE.
/// </summary>
public static class MimeEncapsulation
{
    /// <summary>True for message/rfc822 and message/global parts with their message; false for text/rfc822-headers.</summary>
    public static bool TryGetMessage(MimeEntity entity, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MimeMessage? message)
    {
        message = entity is MessagePart { Message: { } inner } and not TextRfc822Headers ? inner : null;
        return message is not null;
    }
}
