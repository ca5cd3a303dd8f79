using HostingPanel.MailEngine.Delivery;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>Mail delivered straight into the product's engine (no SMTP), for tests about usage and quota.</summary>
internal static class EngineDeliveries
{
    /// <summary>A plain message of about <paramref name="bodyBytes"/> bytes into the mailbox's INBOX; asserts it was stored.</summary>
    public static async Task DeliverAsync(IServiceProvider services, long mailboxId, string to, string subject, int bodyBytes, CancellationToken ct)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@elsewhere.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = new string('x', bodyBytes) };
        using var stream = new MemoryStream();
        await message.WriteToAsync(stream, ct);
        stream.Position = 0;
        var result = await services.GetRequiredService<MailDelivery>().DeliverAsync(stream, [mailboxId], ct: ct);
        Assert.Equal(DeliveryStatus.Delivered, Assert.Single(result).Status);
    }
}
