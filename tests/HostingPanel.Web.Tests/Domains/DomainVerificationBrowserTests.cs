using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// Issue 16.1 in Chromium: a customer adds a domain and reads its TXT record off the domain page; the record is
/// published on the product's only resolver (Debian's dnsmasq on loopback) and the worker finds it by itself; the
/// admin verifies another domain by hand, which the audit log records; the customer has no such button.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DomainVerificationBrowserTests(DomainHostFixture host) : BrowserTest, IClassFixture<DomainHostFixture>
{
    private async Task<IPage> SignInAsync(string email, string password)
    {
        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        return page;
    }

    private static async Task<IPage> AddDomainAsync(IPage page, string name)
    {
        await page.GotoAsync("/domains/new");
        await page.GetByLabel("Domain name").FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add domain" }).ClickAsync();
        await page.WaitForURLAsync(new Regex($"/domains/{Regex.Escape(name)}$"));
        return page;
    }

    [Fact]
    public async Task TheTokenOnTheDomainPage_PublishedInDns_IsFoundByTheWorker_AndTheAdminVerifiesByHand_Audited()
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("browser");
        var page = await SignInAsync(customer.Email, DomainHostFixture.Password);

        // The customer reads the record to publish off its domain page; there is no by-hand button for it.
        var name = "proof-" + Guid.NewGuid().ToString("N")[..8] + ".example";
        await AddDomainAsync(page, name);
        await Assertions.Expect(page.Locator("#verification-status")).ToHaveTextAsync("not verified");
        await Assertions.Expect(page.Locator("#verify-by-hand")).ToHaveCountAsync(0);
        var recordName = (await page.Locator("#verification-name").InnerTextAsync()).Trim();
        var recordValue = (await page.Locator("#verification-value").InnerTextAsync()).Trim();
        Assert.Equal($"_hostingpanel-verification.{name}.", recordName);
        Assert.StartsWith("hostingpanel-verification=", recordValue);

        // "Check now" before the record exists: still unverified, and the page says why.
        await page.Locator("#verify-now").ClickAsync();
        await Assertions.Expect(page.Locator(".alert-success")).ToContainTextAsync("was not found yet");
        await Assertions.Expect(page.Locator("#verification-status")).ToHaveTextAsync("not verified");

        // Published exactly as the page shows it (with another TXT beside it): the worker finds it through Dns:Servers.
        host.Dns.SetTxt(recordName, "v=spf1 -all", recordValue);
        await host.Dns.PublishAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await page.Locator("#verification-status").InnerTextAsync()).Trim() != "verified")
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker did not verify the domain within 60 s");
            await Task.Delay(500, TestContext.Current.CancellationToken);
            await page.ReloadAsync();
        }
        await Assertions.Expect(page.Locator("#verify-now")).ToHaveCountAsync(0);

        // Another domain whose owner cannot publish records: the admin vouches for it by hand.
        var vouched = "vouched-" + Guid.NewGuid().ToString("N")[..8] + ".example";
        await AddDomainAsync(page, vouched);
        await Assertions.Expect(page.Locator("#verify-by-hand")).ToHaveCountAsync(0);
        var admin = await SignInAsync(PanelHostFixture.AdminEmail, PanelHostFixture.AdminPassword);
        await admin.GotoAsync($"/domains/{vouched}");
        await Assertions.Expect(admin.Locator("#verification-status")).ToHaveTextAsync("not verified");
        await admin.Locator("#verify-by-hand").ClickAsync();
        await Assertions.Expect(admin.Locator(".alert-success")).ToContainTextAsync("marked verified (recorded in the audit log)");
        await Assertions.Expect(admin.Locator("#verification-status")).ToHaveTextAsync("verified");

        // The audit log names who did it and how; the customer sees its domain verified.
        await admin.GotoAsync($"/audit?EntityKey={vouched}");
        var row = admin.Locator("tr", new() { HasText = vouched }).Filter(new() { HasText = "domain.verify" });
        await Assertions.Expect(row.First).ToContainTextAsync("by hand");
        await Assertions.Expect(row.First).ToContainTextAsync(PanelHostFixture.AdminEmail);
        await page.GotoAsync($"/domains/{vouched}");
        await Assertions.Expect(page.Locator("#verification-status")).ToHaveTextAsync("verified");
    }
}
