using HostingPanel.Application.Aliases;
using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>Tenants, domains, mailboxes and aliases made through the application services, then mail over real SMTP.</summary>
public static class MailWorld
{
    public const string Password = "mailbox-password-1";

    /// <summary>A customer owning <paramref name="domain"/>; returns its id.</summary>
    public static async Task<Guid> CustomerWithDomainAsync(MailHostFixture host, string domain, CancellationToken ct)
    {
        await using var s = host.As();
        var c = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
        {
            Name = domain + " owner", Email = $"owner@{domain}", Password = "customer-password-1",
            Limits = new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 10, DiskQuotaMb = 100 },
        }, ct);
        Assert.True(c.Succeeded, c.Failure?.Message);
        var d = await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = domain, CustomerId = c.Value!.Id }, ct);
        Assert.True(d.Succeeded);
        return c.Value.Id;
    }

    public static async Task MailboxAsync(MailHostFixture host, string domain, string localPart, long quotaMb = 10, CancellationToken ct = default)
    {
        await using (var s = host.As())
        {
            var m = await s.ServiceProvider.GetRequiredService<MailboxService>()
                .CreateAsync(domain, new CreateMailboxInput { LocalPart = localPart, Password = Password, QuotaMb = quotaMb }, ct);
            Assert.True(m.Succeeded, m.Failure is { } f ? string.Join("; ", f.Errors.SelectMany(e => e.Value)) + f.Message : "");
        }
        await WaitResolvesAsync(host, $"{localPart}@{domain}", r => r.Mailboxes.Count > 0, ct);
    }

    public static async Task AliasAsync(MailHostFixture host, string domain, string localPart, string[] destinations, CancellationToken ct)
    {
        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<AliasService>()
                .CreateAsync(domain, new CreateAliasInput { LocalPart = localPart, Destinations = [.. destinations] }, ct)).Succeeded);
        await WaitResolvesAsync(host, localPart == "*" ? $"anything-{Guid.NewGuid():N}@{domain}" : $"{localPart}@{domain}",
            r => r.Status == RecipientStatus.Ok, ct);
    }

    /// <summary>The worker applies changes within a second or so; generous for a loaded machine.</summary>
    public static async Task WaitResolvesAsync(MailHostFixture host, string address, Func<RecipientResolution, bool> ready, CancellationToken ct)
    {
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!ready(await directory.ResolveRecipientAsync(address, ct)))
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{address} never reached the engine");
            await Task.Delay(50, ct);
        }
    }

    public static MimeMessage Message(string from, string to, string subject, string body = "hello", string? messageId = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = messageId ?? $"{Guid.NewGuid():N}@test.example";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>Sends over the MX listener; returns null when accepted, else the refusal's status code.</summary>
    public static async Task<SmtpStatusCode?> SendMxAsync(MailHostFixture host, MimeMessage message, CancellationToken ct)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", host.Port("smtp"), SecureSocketOptions.None, ct);
        try
        {
            await smtp.SendAsync(message, ct);
            return null;
        }
        catch (SmtpCommandException e)
        {
            return e.StatusCode;
        }
        finally
        {
            await smtp.DisconnectAsync(true, ct);
        }
    }
}
