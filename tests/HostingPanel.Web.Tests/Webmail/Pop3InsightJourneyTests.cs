using System.Text.RegularExpressions;
using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Web.Tests.Portal;
using HostingPanel.Web.Tests.Provisioning;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// Issue 19 items 4 and 5 in Chromium against the real engine. Pat's mailbox is POP3-only (IMAP switched off for mail
/// programs): webmail still opens, and says what her POP3 program downloaded and removed. Kai's POP3 program never
/// deletes: the customer's report lists him with the date his mailbox fills up, his own page gives the same advice
/// with the last login per way in, and one click (a retention of 30 days) ends it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class Pop3InsightJourneyTests(WebmailHostFixture host) : BrowserTest, IClassFixture<WebmailHostFixture>
{
    private const string Domain = "pop3journey.example";
    // Outside every hosted domain: a portal login is never a hosted address.
    private const string Customer = "pop3report@customer-contact.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Pop3OnlyMailboxKeepsWebmail_SeesWhatPop3Removed_KeeperGetsAdviceAndReport_OneClickEndsIt()
    {
        await host.CreateDomainAsync(Domain, Customer, ["pat", "kai"]);
        var pat = $"pat@{Domain}";
        var kai = $"kai@{Domain}";
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        var patId = (await directory.FindMailboxAsync(pat, Ct))!.Id;
        var kaiId = (await directory.FindMailboxAsync(kai, Ct))!.Id;
        for (var i = 1; i <= 3; i++)
            await EngineDeliveries.DeliverAsync(host.App.Services, patId, pat, $"Letter {i}", 2_000, Ct);
        for (var i = 1; i <= 2; i++)
            await EngineDeliveries.DeliverAsync(host.App.Services, kaiId, kai, $"Newsletter {i}", 30_000, Ct);

        // Pat: IMAP off for mail programs, as her provider sells POP3-only mailboxes.
        await using (var s = host.As())
        {
            var off = await s.ServiceProvider.GetRequiredService<MailboxService>().UpdateAsync(Domain, "pat", new UpdateMailboxInput { ImapEnabled = false }, Ct);
            Assert.True(off.Succeeded, off.Failure?.Message);
        }
        await WebmailHostFixture.EventuallyAsync(() => ImapRefusedAsync(pat), TimeSpan.FromSeconds(60), "IMAP switched off for pat");
        // Her POP3 program downloads everything and deletes the first letter.
        await Pop3Downloads.DownloadAsync(host.Port("pop3"), pat, WebmailHostFixture.Password, delete: 1, Ct);

        // Webmail still opens, shows what is left, and says what POP3 took.
        var patPage = await WebmailJourneyTests.SignInAsync(host, pat);
        await Expect(patPage.Locator("tr.message-row")).ToHaveCountAsync(2);
        var note = patPage.Locator("#pop3-removed-note");
        await Expect(note).ToContainTextAsync("downloaded and removed 1 message");
        await Expect(note).ToContainTextAsync("2 messages here were already downloaded");
        await Expect(note).ToContainTextAsync("IMAP is off for mail programs");

        // Kai's program keeps everything; ten days on it is still all there.
        await Pop3Downloads.DownloadAsync(host.Port("pop3"), kai, WebmailHostFixture.Password, delete: 0, Ct);
        await Pop3Downloads.FirstDownloadedDaysAgoAsync(host.App.Services, kai, 10, Ct);

        // The customer's report: Kai, with when his mailbox fills up; not Pat, whose program deletes.
        var customer = await SignInAsync(Customer, "customer-password-1");
        await customer.GotoAsync("/reports/pop3-keepers");
        var line = customer.Locator($"#pop3-keepers tr[data-address='{kai}']");
        await Expect(line).ToBeVisibleAsync();
        await Expect(line.Locator(".projected-full")).ToHaveTextAsync(new Regex(@"^\d{4}-\d{2}-\d{2}$"));
        await Expect(customer.Locator($"tr[data-address='{pat}']")).ToHaveCountAsync(0);
        // Kai's mailbox page as the customer sees it: the same card.
        await customer.GotoAsync($"/domains/{Domain}/mailboxes/kai");
        await Expect(customer.Locator("#pop3-advice")).ToContainTextAsync("never deletes");

        // Kai's own page: the last login per way in, what is kept and for how long, and the advice with its button.
        var kaiPage = await WebmailJourneyTests.SignInAsync(host, kai);
        await kaiPage.GotoAsync("/my");
        await Expect(kaiPage.Locator("#last-logins tr[data-protocol='pop3'] td").Nth(1)).ToHaveTextAsync(new Regex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$"));
        await Expect(kaiPage.Locator("#last-logins tr[data-protocol='webmail'] td").Nth(1)).ToHaveTextAsync(new Regex(@"UTC$"));
        // (IMAP was used once, by the fixture's check that the mailbox is live; filters never.)
        await Expect(kaiPage.Locator("#last-logins tr[data-protocol='managesieve'] td").Nth(1)).ToHaveTextAsync("never");
        await Expect(kaiPage.Locator("#pop3-kept")).ToContainTextAsync("2 messages");
        await Expect(kaiPage.Locator("#pop3-kept")).ToContainTextAsync("(10 days ago)");
        await Expect(kaiPage.Locator("#pop3-advice")).ToContainTextAsync("Your mail program never deletes from the server");
        await Expect(kaiPage.Locator("#pop3-projected-full")).ToHaveTextAsync(new Regex(@"^\d{4}-\d{2}-\d{2}$"));
        await kaiPage.Locator("#pop3-fix").ClickAsync();
        await Expect(kaiPage.Locator(".alert-success")).ToContainTextAsync("removed from the server 30 days after");

        // Once the engine has the retention, the advice and the report line are gone.
        await WebmailHostFixture.EventuallyAsync(async () =>
        {
            await kaiPage.GotoAsync("/my");
            return await kaiPage.Locator("#pop3-advice").CountAsync() == 0;
        }, TimeSpan.FromSeconds(60), "the advice ends");
        await Expect(kaiPage.Locator("#pop3-kept")).ToContainTextAsync("removed 30 days after the first download");
        await customer.GotoAsync("/reports/pop3-keepers");
        await Expect(customer.Locator($"tr[data-address='{kai}']")).ToHaveCountAsync(0);
        await Expect(customer.Locator("#no-pop3-keepers")).ToBeVisibleAsync();
    }

    /// <summary>True once a mail program's IMAP login is refused; a session cut by the change itself is asked again.</summary>
    private async Task<bool> ImapRefusedAsync(string address)
    {
        using var client = new ImapClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", host.Port("imap"), SecureSocketOptions.None, Ct);
            await client.AuthenticateAsync(address, WebmailHostFixture.Password, Ct);
            return false;
        }
        catch (AuthenticationException) { return true; }
        catch (Exception e) when (e is IOException or MailKit.ServiceNotConnectedException or MailKit.Net.Imap.ImapProtocolException) { return false; }
    }

    private async Task<IPage> SignInAsync(string email, string password)
    {
        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Commit, not load: the redirect chain after sign-in can finish before Playwright watches for "load".
        try { await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit, Timeout = 90_000 }); }
        catch (TimeoutException)
        {
            Assert.Fail($"sign-in as {email} stayed on {page.Url}: {string.Join(" | ", await page.Locator(".alert, .text-danger, .validation-summary-errors").AllInnerTextsAsync())}");
        }
        return page;
    }
}
