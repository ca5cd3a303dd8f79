using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>
/// Every role doing its job in Chromium, in the order a hosting company meets them: admin → reseller →
/// customer → support → mailbox owner.
/// </summary>
// One Chromium at a time: several browsers and hosts at once starve a 2-core machine.
[Collection(BrowserCollection.Name)]
public sealed class PortalJourneyTests(BrowserFixture host) : BrowserTest, IClassFixture<BrowserFixture>
{
    private const string Password = "journey-password-1";

    [Fact]
    public async Task EveryRole_DoesItsJob_InTheBrowser()
    {
        var tag = "j" + Guid.NewGuid().ToString("N")[..6];
        var domain = $"{tag}.example";

        await AdminCreatesResellerAndSupport(tag);
        await ResellerCreatesCustomerInsideItsPool(tag);
        await CustomerSetsUpDomainMailboxesAndAliases(tag, domain);
        await SupportFindsMailboxAndResetsPassword(tag, domain);
        await MailboxOwnerChangesForwardingAndReadsSetup(domain);
    }

    private async Task<IPage> SignInAsync(string email, string password)
    {
        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Commit, not load: the redirect chain after sign-in can finish before Playwright watches for "load" (it then waits forever).
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        return page;
    }

    private static async Task ExpectFlash(IPage page, string text) =>
        await Assertions.Expect(page.Locator(".alert-success")).ToContainTextAsync(text);

    private async Task AdminCreatesResellerAndSupport(string tag)
    {
        var page = await SignInAsync(PanelHostFixture.AdminEmail, PanelHostFixture.AdminPassword);
        await Assertions.Expect(page.Locator("#totals")).ToContainTextAsync("Resellers");
        await Assertions.Expect(page.Locator("#failures")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Resellers", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New reseller" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"Reseller {tag}");
        await page.GetByLabel("Login email").FillAsync($"reseller-{tag}@example.net");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByLabel("Customers").FillAsync("5");
        await page.GetByLabel("Domains").FillAsync("4");
        await page.GetByLabel("Mailboxes").FillAsync("20");
        await page.GetByLabel("Disk (MB)").FillAsync("2000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create reseller" }).ClickAsync();
        await ExpectFlash(page, $"Reseller {tag} created.");

        await page.GotoAsync("/staff/new");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Sam Support");
        await page.GetByLabel("Login email").FillAsync($"support-{tag}@example.net");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByLabel("Role").SelectOptionAsync("Support");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await ExpectFlash(page, $"support-{tag}@example.net created");
        await page.Context.CloseAsync();
    }

    private async Task ResellerCreatesCustomerInsideItsPool(string tag)
    {
        var page = await SignInAsync($"reseller-{tag}@example.net", Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Customers", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New customer" }).ClickAsync();
        await Assertions.Expect(page.Locator("#pool-left")).ToContainTextAsync("5 customers, 4 domains, 20 mailboxes");

        async Task FillCustomer(string name, string email, string disk)
        {
            await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
            await page.GetByLabel("Login email").FillAsync(email);
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByLabel("Domains").FillAsync("1");
            await page.GetByLabel("Mailboxes").FillAsync("5");
            await page.GetByLabel("Disk (MB)").FillAsync(disk);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create customer" }).ClickAsync();
        }

        await FillCustomer($"Customer {tag}", $"customer-{tag}@example.net", "1500");
        await ExpectFlash(page, $"Customer {tag} created.");

        await page.GotoAsync("/customers/new");
        await Assertions.Expect(page.Locator("#pool-left")).ToContainTextAsync("500 MB of disk");
        await FillCustomer($"Second {tag}", $"second-{tag}@example.net", "800");
        // The message sits next to the plan fields and says how much is left.
        await Assertions.Expect(page.Locator("[data-valmsg-for='Limits']")).ToContainTextAsync("so 500 MB left and 800 MB requested");

        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = $"Customer {tag}" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Resellers" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    private async Task CustomerSetsUpDomainMailboxesAndAliases(string tag, string domain)
    {
        var page = await SignInAsync($"customer-{tag}@example.net", Password);
        await page.GetByRole(AriaRole.Link, new() { Name = "Domains", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Add domain" }).ClickAsync();
        await page.GetByLabel("Domain name").FillAsync(domain);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add domain" }).ClickAsync();
        await ExpectFlash(page, $"Domain {domain} added.");
        await Assertions.Expect(page.Locator("#usage-chart-empty")).ToBeVisibleAsync();

        foreach (var name in new[] { "adam", "betty" })
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "New mailbox" }).ClickAsync();
            await page.GetByLabel("Address", new() { Exact = true }).FillAsync(name);
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByLabel("Quota (MB)").FillAsync("200");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create mailbox" }).ClickAsync();
            await ExpectFlash(page, $"Mailbox {name}@{domain} created.");
        }
        await Assertions.Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = $"Quota of adam@{domain}" })).ToBeVisibleAsync();

        // A third mailbox beyond the plan's disk is refused next to the quota field, with what is left.
        await page.GetByRole(AriaRole.Link, new() { Name = "New mailbox" }).ClickAsync();
        await page.GetByLabel("Address", new() { Exact = true }).FillAsync("carl");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByLabel("Quota (MB)").FillAsync("2000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create mailbox" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-valmsg-for='QuotaMb']")).ToContainTextAsync("left");

        // Mailbox settings: POP3 off, retention, then back.
        await page.GotoAsync($"/domains/{domain}/mailboxes/betty");
        await page.GetByLabel("POP3 on").UncheckAsync();
        await page.GetByLabel("POP3 retention (days; 0 keeps forever)").FillAsync("14");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await ExpectFlash(page, $"Mailbox betty@{domain} saved.");
        await Assertions.Expect(page.GetByLabel("POP3 on")).Not.ToBeCheckedAsync();

        await page.GotoAsync($"/domains/{domain}/aliases");
        await page.GetByRole(AriaRole.Link, new() { Name = "New alias" }).ClickAsync();
        await page.GetByLabel("Address", new() { Exact = true }).FillAsync("support");
        await page.GetByLabel("Deliver to (one address per line)").FillAsync($"adam@{domain}\nbetty@{domain}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create alias" }).ClickAsync();
        await ExpectFlash(page, $"Alias support@{domain} created.");
        await Assertions.Expect(page.GetByRole(AriaRole.Row, new() { Name = $"support@{domain}" })).ToContainTextAsync($"adam@{domain}, betty@{domain}");

        await page.GetByRole(AriaRole.Link, new() { Name = "Catch-all" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Address", new() { Exact = true })).ToHaveValueAsync("*");
        await page.GetByLabel("Deliver to (one address per line)").FillAsync($"adam@{domain}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create alias" }).ClickAsync();
        await ExpectFlash(page, $"Catch-all of {domain} created.");

        // A wrong destination is reported on the destinations field.
        await page.GetByRole(AriaRole.Link, new() { Name = "New alias" }).ClickAsync();
        await page.GetByLabel("Address", new() { Exact = true }).FillAsync("sales");
        await page.GetByLabel("Deliver to (one address per line)").FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create alias" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-valmsg-for='Destinations']")).Not.ToBeEmptyAsync();

        // Delete with confirmation.
        await page.GotoAsync($"/domains/{domain}/mailboxes/betty");
        await page.GetByRole(AriaRole.Link, new() { Name = "Delete mailbox" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Delete betty@{domain}?" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/domains/{Regex.Escape(domain)}/mailboxes/betty$"));
        await page.Context.CloseAsync();
    }

    private async Task SupportFindsMailboxAndResetsPassword(string tag, string domain)
    {
        var page = await SignInAsync($"support-{tag}@example.net", Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Resellers" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Customers" })).ToHaveCountAsync(0);
        await page.GetByLabel("Find a mailbox or alias by address").FillAsync($"adam@{domain}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = $"adam@{domain}" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Reset password" }).ClickAsync();
        await page.GetByLabel("New password").FillAsync("reset-by-support-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await ExpectFlash(page, $"The password of adam@{domain} was changed.");

        // Support manages aliases too: support@ gets a third destination... replaced by adam alone.
        await page.GotoAsync($"/search?q=support@{domain}");
        await page.GetByRole(AriaRole.Link, new() { Name = $"support@{domain}" }).ClickAsync();
        await page.GetByLabel("Deliver to (one address per line)").FillAsync($"adam@{domain}\nbetty@{domain}\nhelp@example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await ExpectFlash(page, $"support@{domain} saved.");
        await page.Context.CloseAsync();
    }

    private async Task MailboxOwnerChangesForwardingAndReadsSetup(string domain)
    {
        var page = await SignInAsync($"adam@{domain}", "reset-by-support-1");
        // Support set this password, so the owner chooses one of their own before anything else.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/my/password$"));
        await Assertions.Expect(page.Locator("#must-change-password")).ToBeVisibleAsync();
        await page.Locator("#CurrentPassword").FillAsync("reset-by-support-1");
        await page.Locator("#Password").FillAsync("adams-own-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.Locator(".alert-success")).ToContainTextAsync("Your password was changed");
        await page.GotoAsync("/my");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/my$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Progressbar, new() { Name = "Quota use" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Forwarding and retention" }).ClickAsync();
        await page.GetByLabel("Forward my mail to (one address per line; empty: no forwarding)").FillAsync("adam.private@example.org");
        await page.GetByLabel("Remove mail downloaded by POP3 after (days; 0 keeps it forever)").FillAsync("30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await ExpectFlash(page, "Your settings were saved.");
        await Assertions.Expect(page.Locator("#my-settings")).ToContainTextAsync("adam.private@example.org (a copy stays here)");
        await Assertions.Expect(page.Locator("#my-settings")).ToContainTextAsync("30 days after download");

        await page.GetByRole(AriaRole.Link, new() { Name = "Set up your mail program" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "IMAP: mail stays on the server" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "POP3: download to one computer" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("several devices");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("leave a copy on the server");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("1993");

        await page.GetByRole(AriaRole.Link, new() { Name = "Password" }).First.ClickAsync();
        await page.GetByLabel("New password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-valmsg-for='Password']")).ToContainTextAsync("at least 10 characters");
        await page.Context.CloseAsync();
    }
}
