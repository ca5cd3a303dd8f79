using HostingPanel.Application.Aliases;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.MailEngine.Directory;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Infrastructure;

/// <summary>Puts a message into the outbound queue the way it happens in life: inbound mail for an alias whose destination is elsewhere.</summary>
public static class RelayedMail
{
    public const string ExternalDestination = "far-away@elsewhere.example";

    /// <summary>A customer with <paramref name="domain"/> and the alias out@ → <see cref="ExternalDestination"/>; then one message to it over SMTP.</summary>
    public static async Task SendThroughExternalAliasAsync(MailHostFixture host, string domain, string subject, CancellationToken ct)
    {
        await using (var s = host.As())
        {
            var c = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = "Queue Co", Email = $"owner@{domain}", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 1, DiskQuotaMb = 10 },
            }, ct);
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = domain, CustomerId = c.Value!.Id }, ct)).Succeeded);
            Assert.True((await s.ServiceProvider.GetRequiredService<AliasService>()
                .CreateAsync(domain, new CreateAliasInput { LocalPart = "out", Destinations = [ExternalDestination] }, ct)).Succeeded);
        }
        // The worker provisions the alias into the engine's directory; mail sent before that would be refused.
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        for (var i = 0; i < 100 && (await directory.ResolveRecipientAsync($"out@{domain}", ct)).External.Count == 0; i++) await Task.Delay(50, ct);

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@origin.example"));
        message.To.Add(MailboxAddress.Parse($"out@{domain}"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "hello" };
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", host.Port("smtp"), SecureSocketOptions.None, ct);
        await smtp.SendAsync(message, ct);
        await smtp.DisconnectAsync(true, ct);
    }
}
