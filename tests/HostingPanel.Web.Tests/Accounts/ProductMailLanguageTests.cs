using System.Net;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.Provisioning;
using HostingPanel.Web.Tests.Api;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 20.6's mails and 20.2's expiry: the product's own mails (reset links, quota notices) in the recipient's
/// language, and a reset link that works for exactly 30 minutes on a clock the test turns.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProductMailLanguageTests(ApiHostFixture host)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A clock that moves only when told.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class CapturedMail : IProductMail
    {
        public List<ProductMessage> Sent { get; } = [];
        public Task<bool> SendAsync(ProductMessage message, CancellationToken ct = default) { Sent.Add(message); return Task.FromResult(true); }
    }

    private sealed class CapturedNotices : INoticeDelivery
    {
        public List<(string To, MimeMessage Message)> Sent { get; } = [];
        public Task<NoticeOutcome> SendAsync(string recipient, byte[] message, CancellationToken ct = default) => Keep(recipient, message);
        public Task<NoticeOutcome> DeliverToMailboxAsync(string mailboxAddress, byte[] message, CancellationToken ct = default) => Keep(mailboxAddress, message);

        private Task<NoticeOutcome> Keep(string to, byte[] bytes)
        {
            Sent.Add((to, MimeMessage.Load(new MemoryStream(bytes))));
            return Task.FromResult(NoticeOutcome.Sent);
        }
    }

    private async Task<(string ResellerKey, string CustomerEmail, string CustomerKey, string CustomerId)> NewCustomerAsync(string? resellerLanguage = null)
    {
        using var admin = host.CreateAdminApiClient();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var resellerEmail = $"r-{tag}@mail-lang-resellers.example";
        var reseller = await Api.Api.CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = $"Mail lang {tag}", email = resellerEmail, password = ApiHostFixture.Password,
            limits = new { maxCustomers = 5, maxDomains = 5, maxMailboxes = 5, diskQuotaMb = 5000 },
        });
        if (resellerLanguage is not null)
        {
            using var scope = host.App.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            var r = await db.Resellers.IgnoreQueryFilters().SingleAsync(x => x.Id == Guid.Parse(reseller["id"]!.GetValue<string>()), Ct);
            r.SetDefaults(resellerLanguage, "Asia/Kuala_Lumpur");
            await db.SaveChangesAsync(Ct);
        }
        var resellerKey = await ApiHostFixture.KeyForAsync(admin, resellerEmail);
        using var asReseller = host.CreateClient(resellerKey);
        var customerEmail = $"c-{tag}@mail-lang-customers.example";
        var customer = await Api.Api.CreatedAsync(asReseller, "/api/v1/customers", new
        {
            name = $"Mail lang customer {tag}", email = customerEmail, password = ApiHostFixture.Password,
            limits = new { maxDomains = 2, maxMailboxes = 2, diskQuotaMb = 1000 },
        });
        return (resellerKey, customerEmail, await ApiHostFixture.KeyForAsync(asReseller, customerEmail), customer["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task ResetLink_OnATurnedClock_WorksUntilThirtyMinutes_NotASecondLonger_AndTheMailIsInTheLoginsLanguage()
    {
        var (_, email, key, _) = await NewCustomerAsync();
        using (var api = host.CreateClient(key))
            await Api.Api.OkAsync(api, HttpMethod.Patch, "/api/v1/me", new { language = "ms" });

        var clock = new ManualClock(new DateTimeOffset(2031, 3, 1, 9, 0, 0, TimeSpan.Zero));
        var mail = new CapturedMail();
        using var scope = host.App.Services.CreateScope();
        var resets = ActivatorUtilities.CreateInstance<PasswordResetByMail>(scope.ServiceProvider, clock, mail);
        await resets.RequestAsync(email, "http://portal.example/account/reset-password", Ct);

        var sent = Assert.Single(mail.Sent);
        Assert.Equal(email, sent.To);
        Assert.Equal("Tetapkan semula kata laluan anda", sent.Subject);
        Assert.Equal("ms", sent.Language);
        Assert.Contains("Buka pautan ini dalam masa 30 minit", sent.Text);
        var token = System.Text.RegularExpressions.Regex.Match(sent.Text, @"\?token=([A-Za-z0-9_-]+)").Groups[1].Value;
        Assert.NotEmpty(token);

        clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromSeconds(1));
        Assert.Equal(email, await resets.LoginOfAsync(token, Ct));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await resets.LoginOfAsync(token, Ct));
        var late = await resets.CompleteAsync(new CompletePasswordResetInput { Token = token, Password = "too-late-by-a-second" }, Ct);
        Assert.False(late.Succeeded);
        Assert.Contains(PasswordResetByMail.UnusableLinkMessage, late.Failure!.Errors["Token"]);
        using var client = host.CreateClient();
        Assert.Equal(HttpStatusCode.Redirect, (await new Portal.PortalSession(client).PostFormAsync("/account/login", "/account/login",
            new() { ["Email"] = email, ["Password"] = ApiHostFixture.Password })).StatusCode);
    }

    [Fact]
    public async Task ResetMail_ToALoginThatChoseNothing_IsInEnglish()
    {
        var (_, email, _, _) = await NewCustomerAsync();
        var mail = new CapturedMail();
        using var scope = host.App.Services.CreateScope();
        var resets = ActivatorUtilities.CreateInstance<PasswordResetByMail>(scope.ServiceProvider, mail);
        await resets.RequestAsync(email, "http://portal.example/account/reset-password", Ct);
        var sent = Assert.Single(mail.Sent);
        Assert.Equal("Reset your password", sent.Subject);
        Assert.Equal("en", sent.Language);
    }

    [Fact]
    public async Task QuotaNotices_AreInTheLanguageOfTheMailboxOwnersReseller_AndTheCustomersOwnChoice()
    {
        var (resellerKey, customerEmail, customerKey, customerId) = await NewCustomerAsync(resellerLanguage: "ms");
        var domain = $"notice-{Guid.NewGuid().ToString("N")[..8]}.example";
        using (var asReseller = host.CreateClient(resellerKey))
        {
            await Api.Api.CreatedAsync(asReseller, "/api/v1/domains", new { name = domain, customerId });
            await Api.Api.CreatedAsync(asReseller, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "penuh", password = ApiHostFixture.Password, quotaMb = 10 });
        }
        // The customer itself chose English: its 100 % notice is in English while the mailbox's own is in Malay.
        using (var api = host.CreateClient(customerKey))
            await Api.Api.OkAsync(api, HttpMethod.Patch, "/api/v1/me", new { language = "en" });

        using var scope = host.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var mailbox = await db.Mailboxes.IgnoreQueryFilters().SingleAsync(m => m.Domain!.Name == domain, Ct);
        var notices = new CapturedNotices();
        var warnings = ActivatorUtilities.CreateInstance<QuotaWarnings>(scope.ServiceProvider, notices);
        var usage = new MailboxUsage(mailbox.Id);
        const long quota = 10L * 1024 * 1024;
        usage.Update(quota * 85 / 100, 3, DateTimeOffset.UtcNow);
        await warnings.CheckAsync(usage, $"penuh@{domain}", quota, Guid.Parse(customerId), null, Ct);
        usage.Update(quota, 4, DateTimeOffset.UtcNow);
        await warnings.CheckAsync(usage, $"penuh@{domain}", quota, Guid.Parse(customerId), null, Ct);

        var toMailbox = notices.Sent.Where(n => n.To == $"penuh@{domain}").Select(n => n.Message).ToList();
        Assert.Equal(["Peti mel anda 80% penuh", "Peti mel anda penuh"], toMailbox.Select(m => m.Subject));
        Assert.All(toMailbox, m => Assert.Equal("ms", m.Body!.Headers[HeaderId.ContentLanguage]?.Trim()));
        Assert.Contains("Padam mesej yang anda tidak perlukan", toMailbox[0].TextBody);
        var toCustomer = Assert.Single(notices.Sent, n => n.To == customerEmail).Message;
        Assert.Equal($"Mailbox penuh@{domain} is full", toCustomer.Subject);
        Assert.Equal("en", toCustomer.Body!.Headers[HeaderId.ContentLanguage]?.Trim());
    }
}
