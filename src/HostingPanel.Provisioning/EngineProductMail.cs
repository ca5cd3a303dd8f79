using HostingPanel.Application.Users;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Outbound;
using Microsoft.Extensions.Options;
using MimeKit;

namespace HostingPanel.Provisioning;

/// <summary>
/// The product's own mail on a node that runs the engine: a hosted recipient (a mailbox, or an alias to mailboxes)
/// gets it through local delivery with the notices' quota headroom, any other address through the outbound queue,
/// from the null sender and marked <c>Auto-Submitted: auto-generated</c> (RFC 3834).
/// </summary>
public sealed class EngineProductMail(MailDelivery delivery, OutboundQueue queue, IOptions<MailEngineOptions> options) : IProductMail
{
    public async Task<bool> SendAsync(ProductMessage message, CancellationToken ct = default)
    {
        var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress("Mail system", "postmaster@" + options.Value.Hostname));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        mime.Body = new TextPart("plain") { Text = message.Text };
        using var stream = new MemoryStream();
        await mime.WriteToAsync(stream, ct);
        var bytes = stream.ToArray();

        var resolution = await delivery.ResolveRecipientAsync(message.To, ct);
        if (resolution.Status == RecipientStatus.Ok && resolution.Mailboxes.Count > 0)
            await delivery.DeliverNoticeAsync(new MemoryStream(bytes), resolution.Mailboxes.Select(m => m.MailboxId).ToList(), ct);
        IReadOnlyList<string> external = resolution.Status switch
        {
            RecipientStatus.NotHosted => [message.To],
            RecipientStatus.Ok => resolution.External,
            _ => [],
        };
        if (external.Count > 0) await queue.EnqueueAsync("", external, bytes, isBounce: true, ct);
        return true;
    }
}

/// <summary>The stand-in on a node without the mail role: nothing can be sent from here.</summary>
public sealed class NoProductMail : IProductMail
{
    public Task<bool> SendAsync(ProductMessage message, CancellationToken ct = default) => Task.FromResult(false);
}
