using HostingPanel.Application.Users;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;
using MimeKit;

namespace HostingPanel.Provisioning;

/// <summary>
/// The product's own mail (reset links and the like) through the engine's notice delivery: a hosted recipient (a
/// mailbox, or an alias to mailboxes) gets it in its mailbox with the notices' quota headroom, any other address
/// through the outbound queue, from the null sender and marked <c>Auto-Submitted: auto-generated</c> (RFC 3834).
/// Where this process runs no engine nothing can be sent, and the caller is told so.
/// </summary>
public sealed class EngineProductMail(INoticeDelivery notices, MailEnginePresence engine, IOptions<MailEngineOptions> options) : IProductMail
{
    public async Task<bool> SendAsync(ProductMessage message, CancellationToken ct = default)
    {
        if (!engine.RunsHere) return false;
        var mime = new MimeMessage();
        var sender = message.Language is { } lang && HostingPanel.Application.Localization.Languages.IsSupported(lang)
            ? HostingPanel.Application.Localization.ProductText.Mail("Mail.Sender", System.Globalization.CultureInfo.GetCultureInfo(lang))
            : "Mail system";
        mime.From.Add(new MailboxAddress(sender, "postmaster@" + options.Value.Hostname));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        var body = new TextPart("plain") { Text = message.Text };
        // Content-Language (RFC 3282) belongs to the body part: MimeKit keeps Content-* headers with their entity.
        if (message.Language is { } language) body.Headers.Add(HeaderId.ContentLanguage, language);
        mime.Body = body;
        using var stream = new MemoryStream();
        await mime.WriteToAsync(stream, ct);
        return await notices.SendAsync(message.To, stream.ToArray(), ct) == NoticeOutcome.Sent;
    }
}
