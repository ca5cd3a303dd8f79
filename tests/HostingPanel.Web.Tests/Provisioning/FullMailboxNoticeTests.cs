using System.Diagnostics;
using System.Text;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;
using HostingPanel.Provisioning;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>
/// Issue 19 item 3: the 100 % notice reaches a full mailbox (headroom kept for the product's own notices) and
/// (the copy to the customer's contact address leaves through the queue and is not read back here); the owner's page says new mail is refused and since when.
/// </summary>
public sealed class FullMailboxNoticeTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string Password = "mailbox-password-1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HundredPercentNotice_ReachesTheFullMailbox_WithinTheNoticeHeadroom()
    {
        const string domain = "fullnotice.example";
        await using (var s = host.As())
        {
            var customer = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                // Outside: a portal login can never be a hosted address (issue 16.8).
                Name = domain, Email = "billing@customer-contact.example", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 10, DiskQuotaMb = 1000 },
            }, Ct);
            Assert.True(customer.Succeeded, customer.Failure?.Message);
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = domain, CustomerId = customer.Value!.Id }, Ct)).Succeeded);
            var mailboxes = s.ServiceProvider.GetRequiredService<MailboxService>();
            Assert.True((await mailboxes.CreateAsync(domain, new CreateMailboxInput { LocalPart = "full", Password = Password, QuotaMb = 1 }, Ct)).Succeeded);
        }
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        var full = await EventuallyAsync(() => directory.FindMailboxAsync($"full@{domain}", Ct), "full@ in the engine");

        // Fill the mailbox to exactly its quota: one large message, then one of exactly the bytes left.
        var delivery = host.App.Services.GetRequiredService<MailDelivery>();
        var store = host.App.Services.GetRequiredService<MailStore>();
        Assert.Equal(DeliveryStatus.Delivered, (await delivery.DeliverAsync(Raw("bulk", 1_000_000), [full.Id], ct: Ct))[0].Status);
        // The worker may put its 95 % notice in between: then measure again.
        for (var attempt = 0; ; attempt++)
        {
            var left = 1024 * 1024 - (await store.GetQuotaAsync(full.Id, Ct))!.UsedBytes;
            if ((await delivery.DeliverAsync(Raw("last bytes", (int)left), [full.Id], ct: Ct))[0].Status == DeliveryStatus.Delivered) break;
            Assert.True(attempt < 5, "could not fill the mailbox to exactly its quota");
        }
        Assert.Equal(1024 * 1024, (await store.GetQuotaAsync(full.Id, Ct))!.UsedBytes);
        Assert.False(await delivery.HasRoomAsync(full.Id, 0, Ct));

        await host.App.Services.GetRequiredService<UsageSync>().SyncAsync(Ct);

        Assert.Contains("Your mailbox is full", await SubjectsAsync($"full@{domain}"));
        // The notice went past the quota by its own size only, within the headroom.
        var used = (await store.GetQuotaAsync(full.Id, Ct))!.UsedBytes;
        Assert.InRange(used, 1024 * 1024 + 1, 1024 * 1024 + MailEngine.Quotas.QuotaOverdraft.NoticeBytes);

        // The owner's page data: refused since the RCPT check above.
        await using var scope = host.As();
        var overview = await scope.ServiceProvider.GetRequiredService<MailboxFolderService>().GetAsync(domain, "full", Ct);
        Assert.NotNull(overview.Value!.RefusedSince);
    }

    private static MemoryStream Raw(string subject, int totalBytes)
    {
        var head = $"From: sender@elsewhere.example\r\nTo: someone@example.com\r\nSubject: {subject}\r\n\r\n";
        var body = new StringBuilder();
        while (head.Length + body.Length < totalBytes)
            body.Append(body.Length % 78 == 76 ? "\r\n" : "x");
        var text = head + body.ToString()[..(totalBytes - head.Length)];
        return new MemoryStream(Encoding.ASCII.GetBytes(text));
    }

    private async Task<List<string>> SubjectsAsync(string address)
    {
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        await pop.AuthenticateAsync(address, Password, Ct);
        var subjects = new List<string>();
        for (var i = 0; i < pop.Count; i++) subjects.Add((await pop.GetMessageAsync(i, Ct)).Subject ?? "");
        await pop.DisconnectAsync(true, Ct);
        return subjects;
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> find, string what) where T : class
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (await find() is { } found) return found;
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"{what} did not happen within 30 s");
        return null!;
    }
}
