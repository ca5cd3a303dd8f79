using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Portal;
using HostingPanel.Web.Tests.Webmail;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 20.3 in the portal: a customer deletes a domain, finds it under "Deleted domains" and restores it with its
/// mailbox; while the plan has no room the Restore button says why and changes nothing. Chromium against the product.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DomainRestorePortalTests(WebmailHostFixture host) : BrowserTest, IClassFixture<WebmailHostFixture>
{
    private const string CustomerPassword = "customer-password-1";

    [Fact]
    public async Task Customer_DeletesADomain_RestoresItFromTheDomainsPage_AndAFullPlanIsExplained()
    {
        const string domain = "restore-portal.example";
        const string login = "rita@restore-portal-customers.example";
        await host.CreateDomainAsync(domain, login, ["keep"]);

        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(CustomerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });

        await page.GotoAsync($"/domains/{domain}/delete");
        await Expect(page.Locator("main")).ToContainTextAsync("1 mailboxes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete domain" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/domains$"));
        var deleted = page.Locator("#deleted-domains tr", new() { HasText = domain });
        await Expect(deleted).ToBeVisibleAsync();

        // The plan (2 domains) fills up meanwhile: restoring says why it cannot, and the domain stays deleted.
        using (var customer = await PortalSession.SignInAsync(host, login, CustomerPassword))
        {
            await PortalSetupSteps.CreateDomainAsync(customer, "second-domain.example");
            await PortalSetupSteps.CreateDomainAsync(customer, "third-domain.example");
        }
        await page.ReloadAsync();
        await deleted.GetByRole(AriaRole.Button, new() { Name = $"Restore {domain}" }).ClickAsync();
        await Expect(page.Locator(".alert-danger")).ToContainTextAsync("plan");
        await Expect(page.Locator("#deleted-domains tr", new() { HasText = domain })).ToBeVisibleAsync();

        // With room again it comes back with its mailbox.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync("/domains/third-domain.example/delete");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete domain" }).ClickAsync();
        await Expect(page.Locator("#deleted-domains").GetByRole(AriaRole.Button, new() { Name = "Restore third-domain.example", Exact = true })).ToBeVisibleAsync();
        await page.Locator("#deleted-domains tr", new() { HasText = domain }).GetByRole(AriaRole.Button, new() { Name = $"Restore {domain}" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/domains/{Regex.Escape(domain)}$"));
        await Expect(page.Locator(".alert-success")).ToContainTextAsync("restored with 1 mailboxes");
        await Expect(page.Locator("main")).ToContainTextAsync($"keep@{domain}");
        await page.GotoAsync("/domains");
        // (The customer is named after the domain, so rows are told apart by their Restore button's name.)
        await Expect(page.Locator("#deleted-domains").GetByRole(AriaRole.Button, new() { Name = $"Restore {domain}", Exact = true })).ToHaveCountAsync(0);
        await Expect(page.Locator("#deleted-domains").GetByRole(AriaRole.Button, new() { Name = "Restore third-domain.example", Exact = true })).ToBeVisibleAsync();
    }
}
