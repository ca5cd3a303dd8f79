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
        mime.From.Add(new MailboxAddress("Mail system", "postmaster@" + options.Value.Hostname));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        mime.Body = new TextPart("plain") { Text = message.Text };
        using var stream = new MemoryStream();
        await mime.WriteToAsync(stream, ct);
        return await notices.SendAsync(message.To, stream.ToArray(), ct) == NoticeOutcome.Sent;
    }
}
