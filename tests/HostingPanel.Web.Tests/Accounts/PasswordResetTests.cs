using System.Net;
using System.Text.RegularExpressions;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.PasswordReset;
using HostingPanel.Web.Tests.Portal;
using HostingPanel.Web.Tests.Webmail;
using MailKit;
using MailKit.Search;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 20.2: "forgot password" by a link in a mail the product sends itself (read here from the recipient's mailbox
/// over IMAP), one use, 30 minutes; and a reset by whoever manages the login, after which the user must choose a new
/// password before doing anything else. Browser journeys in Chromium against the whole product.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class PasswordResetTests(WebmailHostFixture host) : BrowserTest, IClassFixture<WebmailHostFixture>
{
    private const string CustomerPassword = "customer-password-1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"https?://[^\s]+/account/reset-password\?token=[A-Za-z0-9_-]+")]
    private static partial Regex ResetLink();

    /// <summary>The newest reset link in <paramref name="mailbox"/>'s INBOX, waiting for it to arrive (and for a second one when <paramref name="after"/> is given).</summary>
    private async Task<string> LinkFromMailboxAsync(string mailbox, string? after = null)
    {
        string? link = null;
        await WebmailHostFixture.EventuallyAsync(async () =>
        {
            using var imap = await host.ImapAsync(mailbox);
            var inbox = imap.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
            var uids = await inbox.SearchAsync(SearchQuery.SubjectContains("Reset your password"), Ct);
            if (uids.Count == 0) return false;
            var message = await inbox.GetMessageAsync(uids[^1], Ct);
            Assert.Equal("auto-generated", message.Headers["Auto-Submitted"]);
            link = ResetLink().Match(message.TextBody ?? "").Value;
            return link.Length > 0 && link != after;
        }, TimeSpan.FromSeconds(60), $"a reset link in {mailbox}");
        return link!;
    }

    private async Task<bool> SignsInAsync(string email, string password)
    {
        using var session = new PortalSession(host.CreateClient());
        var response = await session.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });
        return response.StatusCode == HttpStatusCode.Redirect;
    }

    private async Task<int> LinksOfAsync(string email)
    {
        using var scope = host.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var user = await db.Users.SingleAsync(u => u.Email == email, Ct);
        return await db.PasswordResetLinks.CountAsync(l => l.UserId == user.Id, Ct);
    }

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

    [Fact]
    public async Task Customer_SetsARecoveryAddress_ForgetsThePassword_TheLinkFromTheMailboxSetsANewOne_AndWorksOnce()
    {
        const string domain = "forgot.example";
        const string login = "boss@forgot-customers.example";
        await host.CreateDomainAsync(domain, login, ["desk"]);

        // The recovery address is a hosted mailbox; setting it asks for the current password.
        var page = await SignInAsync(login, CustomerPassword);
        await page.GotoAsync("/account/security");
        await page.Locator("#RecoveryEmail").FillAsync($"desk@{domain}");
        await page.Locator("#RecoveryCurrentPassword").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save recovery address" }).ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='RecoveryCurrentPassword']")).ToContainTextAsync("not right");
        await page.Locator("#RecoveryEmail").FillAsync($"desk@{domain}");
        await page.Locator("#RecoveryCurrentPassword").FillAsync(CustomerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save recovery address" }).ClickAsync();
        await Expect(page.Locator(".alert-success")).ToContainTextAsync($"desk@{domain}");

        // Signed out, on another browser: "Forgot your password?".
        var anonymous = await host.NewPageAsync();
        await anonymous.GotoAsync("/account/login");
        await anonymous.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).ClickAsync();
        await anonymous.GetByLabel("Email or mailbox address").FillAsync(login);
        await anonymous.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        await Expect(anonymous.Locator(".alert-success")).ToContainTextAsync("If that address has a login");

        var link = await LinkFromMailboxAsync($"desk@{domain}");
        Assert.StartsWith(host.BaseAddress.ToString().TrimEnd('/'), link);
        await anonymous.GotoAsync(link);
        await Expect(anonymous.Locator("main")).ToContainTextAsync($"For {login}");
        await anonymous.GetByLabel("New password").FillAsync("short");
        await anonymous.GetByRole(AriaRole.Button, new() { Name = "Set the new password" }).ClickAsync();
        await Expect(anonymous.Locator("[data-valmsg-for='Password']")).ToContainTextAsync("at least 10 characters");
        await anonymous.GetByLabel("New password").FillAsync("found-it-again-42");
        await anonymous.GetByRole(AriaRole.Button, new() { Name = "Set the new password" }).ClickAsync();
        await Expect(anonymous.Locator(".alert-success")).ToContainTextAsync("Your password was changed");

        // The old password and the old session are gone; the link is spent.
        Assert.True(await SignsInAsync(login, "found-it-again-42"));
        Assert.False(await SignsInAsync(login, CustomerPassword));
        await page.GotoAsync("/domains");
        Assert.Contains("/account/login", page.Url);
        await anonymous.GotoAsync(link);
        await Expect(anonymous.Locator("main")).ToContainTextAsync("This link is not valid any more");
        using var client = new PortalSession(host.CreateClient());
        var again = await client.PostFormAsync("/account/forgot-password", "/account/reset-password",
            new() { ["Token"] = link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..], ["Password"] = "taken-over-password" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.False(await SignsInAsync(login, "taken-over-password"));
    }

    [Fact]
    public async Task MailboxOwner_ResetsTheMailboxPassword_ByLink_AnExpiredLinkIsRefused_AndIMAPTakesTheNewPassword()
    {
        const string domain = "forgot-owner.example";
        await host.CreateDomainAsync(domain, "owner@forgot-owner-customers.example", ["ann", "spare"]);
        var ann = $"ann@{domain}";
        // The owner's portal account exists from the first sign-in on; its recovery address is another mailbox.
        using (var owner = await PortalSession.SignInAsync(host, ann, WebmailHostFixture.Password))
        {
            var saved = await owner.PostFormAsync("/account/security", "/account/security/recovery-email",
                new() { ["RecoveryEmail"] = $"spare@{domain}", ["CurrentPassword"] = WebmailHostFixture.Password });
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        }

        using var anonymous = new PortalSession(host.CreateClient());
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.PostFormAsync("/account/forgot-password", "/account/forgot-password", new() { ["Email"] = ann })).StatusCode);
        var first = await LinkFromMailboxAsync($"spare@{domain}");

        // Thirty minutes later (the row's expiry moved into the past): refused, and nothing changes.
        using (var scope = host.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            var user = await db.Users.SingleAsync(u => u.Email == ann, Ct);
            Assert.Equal(1, await db.PasswordResetLinks.Where(l => l.UserId == user.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, DateTimeOffset.UtcNow.AddSeconds(-1)), Ct));
        }
        var token = first[(first.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        Assert.Contains("This link is not valid any more", await anonymous.GetStringAsync("/account/reset-password?token=" + token));
        var late = await anonymous.PostFormAsync("/account/forgot-password", "/account/reset-password", new() { ["Token"] = token, ["Password"] = "too-late-password-1" });
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.PostFormAsync("/account/forgot-password", "/account/forgot-password", new() { ["Email"] = ann })).StatusCode);
        var second = await LinkFromMailboxAsync($"spare@{domain}", after: first);
        var done = await anonymous.PostFormAsync("/account/forgot-password", "/account/reset-password",
            new() { ["Token"] = second[(second.IndexOf("token=", StringComparison.Ordinal) + 6)..], ["Password"] = "ann-new-password-7" });
        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);

        // The mailbox's own password changed: the engine takes it once the worker provisioned it.
        await WebmailHostFixture.EventuallyAsync(async () =>
        {
            using var imap = new MailKit.Net.Imap.ImapClient();
            await imap.ConnectAsync("127.0.0.1", host.Port("imap"), MailKit.Security.SecureSocketOptions.None, Ct);
            try { await imap.AuthenticateAsync(ann, "ann-new-password-7", Ct); return true; }
            catch (MailKit.Security.AuthenticationException) { return false; }
        }, TimeSpan.FromSeconds(60), "IMAP login with the new password");
        Assert.True(await SignsInAsync(ann, "ann-new-password-7"));
        Assert.False(await SignsInAsync(ann, WebmailHostFixture.Password));
    }

    [Fact]
    public async Task AskingTellsNothing_UnknownAddressesGetTheSameAnswer_AndALoginGetsAtMostThreeLinksPerHalfHour()
    {
        const string domain = "forgot-flood.example";
        const string login = "flood@forgot-flood-customers.example";
        await host.CreateDomainAsync(domain, login, ["box"]);
        using var anonymous = new PortalSession(host.CreateClient());

        var unknown = await anonymous.PostFormAsync("/account/forgot-password", "/account/forgot-password", new() { ["Email"] = "nobody@nowhere.example" });
        Assert.Equal(HttpStatusCode.Redirect, unknown.StatusCode);
        Assert.Contains(PasswordResetController.SentMessage, await anonymous.GetStringAsync("/account/forgot-password"));
        for (var i = 0; i < 5; i++)
        {
            var known = await anonymous.PostFormAsync("/account/forgot-password", "/account/forgot-password", new() { ["Email"] = login });
            Assert.Equal(HttpStatusCode.Redirect, known.StatusCode);
            Assert.Equal(unknown.Headers.Location, known.Headers.Location);
            Assert.Contains(PasswordResetController.SentMessage, await anonymous.GetStringAsync("/account/forgot-password"));
        }
        Assert.Equal(3, await LinksOfAsync(login));
    }

    /// <summary>
    /// A login whose address is at a domain another tenant hosts here: that tenant reads whatever arrives there (here a
    /// catch-all it set up after the login existed), so a reset link mailed there would hand it the account. None is
    /// sent, the asker gets the usual answer, and the audit log says why.
    /// </summary>
    [Fact]
    public async Task NoLinkGoesToADomainAnotherTenantHosts_EvenThroughItsCatchAll()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var shared = $"shared-{run}.example";
        var login = $"boss@{shared}";
        await host.CreateDomainAsync($"victim-{run}.example", login, ["box"]);
        await host.CreateDomainAsync(shared, $"attacker-{run}@attackers.example", ["grab"], ("*", ["grab"]));

        using var anonymous = new PortalSession(host.CreateClient());
        var asked = await anonymous.PostFormAsync("/account/forgot-password", "/account/forgot-password", new() { ["Email"] = login });
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.Contains(PasswordResetController.SentMessage, await anonymous.GetStringAsync("/account/forgot-password"));

        Assert.Equal(0, await LinksOfAsync(login));
        using (var scope = host.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            var withheld = await db.AuditEntries.IgnoreQueryFilters().Where(a => a.Action == "login.reset-link-withheld" && a.EntityKey == login).ToListAsync(Ct);
            Assert.Contains(shared, Assert.Single(withheld).Detail);
        }
        using var imap = await host.ImapAsync($"grab@{shared}");
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        Assert.Empty(await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("Reset your password"), Ct));
    }

    [Fact]
    public async Task AdminResetsACustomersLogin_WithAGeneratedPassword_TheCustomerMustChooseANewOne_ThenUnlock()
    {
        const string domain = "managed-reset.example";
        const string login = "carol@managed-reset-customers.example";
        await host.CreateDomainAsync(domain, login, ["box"]);

        var admin = await SignInAsync(Infrastructure.PanelHostFixture.AdminEmail, Infrastructure.PanelHostFixture.AdminPassword);
        admin.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await admin.GotoAsync("/customers?q=" + Uri.EscapeDataString(domain));
        await admin.Locator("tr", new() { HasText = login }).GetByRole(AriaRole.Link, new() { Name = "Login" }).ClickAsync();
        await Expect(admin.Locator("h1")).ToHaveTextAsync($"Login {login}");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        var generated = (await admin.Locator("#generated-password code").TextContentAsync())!.Trim();
        Assert.Equal(20, generated.Length);
        await Expect(admin.Locator("#main")).ToContainTextAsync("must choose a new password at the next sign-in");

        // Signed in with it, the customer sees only the security page until a new password is chosen.
        var customer = await SignInAsync(login, generated);
        await customer.GotoAsync("/domains");
        await Expect(customer).ToHaveURLAsync(new Regex("/account/security$"));
        await Expect(customer.Locator("#must-change-password")).ToBeVisibleAsync();
        await customer.Locator("#CurrentPassword").FillAsync(generated);
        await customer.Locator("#Password").FillAsync("carols-own-password");
        await customer.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(customer.Locator(".alert-success")).ToContainTextAsync("Your password was changed");
        await customer.GotoAsync("/domains");
        await Expect(customer).ToHaveURLAsync(new Regex("/domains$"));
        await Expect(customer.Locator("#must-change-password")).ToHaveCountAsync(0);

        // Locked out (too many failed sign-ins): the same page unlocks.
        using (var scope = host.App.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            Assert.True((await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(login))!, DateTimeOffset.UtcNow.AddHours(1))).Succeeded);
        }
        Assert.False(await SignsInAsync(login, "carols-own-password"));
        await admin.GotoAsync("/logins/manage?email=" + Uri.EscapeDataString(login));
        await admin.GetByRole(AriaRole.Button, new() { Name = "Unlock" }).ClickAsync();
        await Expect(admin.Locator(".alert-success")).ToContainTextAsync("can sign in again");
        Assert.True(await SignsInAsync(login, "carols-own-password"));
    }

    /// <summary>
    /// Issue 20.2 for mailbox owners: a password the customer set for the mailbox (the customer knows it) must be replaced
    /// by the owner before anything else in the portal; mail programs keep working with it meanwhile. The owner's own
    /// change (or a reset by link) asks nothing more.
    /// </summary>
    [Fact]
    public async Task MailboxOwner_WhosePasswordTheCustomerSet_MustChooseANewOne_BeforeAnythingElse()
    {
        const string domain = "owner-reset.example";
        const string login = "olga@owner-reset-customers.example";
        await host.CreateDomainAsync(domain, login, ["dan"]);
        var dan = $"dan@{domain}";

        var customer = await SignInAsync(login, CustomerPassword);
        await customer.GotoAsync($"/domains/{domain}/mailboxes/dan/password");
        await customer.Locator("#Password").FillAsync("given-by-customer-1");
        await customer.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(customer.Locator(".alert-success")).ToBeVisibleAsync();

        // The engine takes the given password (mail programs work with it) ...
        await WebmailHostFixture.EventuallyAsync(() => ImapSignsInAsync(dan, "given-by-customer-1"), TimeSpan.FromSeconds(60), "IMAP login with the given password");
        // ... but the portal shows the owner nothing but the password page until a new one is chosen.
        var owner = await SignInAsync(dan, "given-by-customer-1");
        foreach (var elsewhere in new[] { "/my", "/my/settings", "/my/setup", "/webmail" })
        {
            await owner.GotoAsync(elsewhere);
            await Expect(owner).ToHaveURLAsync(new Regex("/my/password$"));
        }
        await Expect(owner.Locator("#must-change-password")).ToBeVisibleAsync();
        await owner.Locator("#CurrentPassword").FillAsync("given-by-customer-1");
        await owner.Locator("#Password").FillAsync("dans-own-password-2");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(owner.Locator(".alert-success")).ToContainTextAsync("Your password was changed");
        await owner.GotoAsync("/my/settings");
        await Expect(owner).ToHaveURLAsync(new Regex("/my/settings$"));
        await Expect(owner.Locator("#must-change-password")).ToHaveCountAsync(0);

        await WebmailHostFixture.EventuallyAsync(() => ImapSignsInAsync(dan, "dans-own-password-2"), TimeSpan.FromSeconds(60), "IMAP login with the owner's own password");
        Assert.False(await ImapSignsInAsync(dan, "given-by-customer-1"));
        // Signing in again asks nothing more: the flag went with the owner's own change.
        var again = await SignInAsync(dan, "dans-own-password-2");
        await again.GotoAsync("/my/settings");
        await Expect(again).ToHaveURLAsync(new Regex("/my/settings$"));
    }

    private async Task<bool> ImapSignsInAsync(string address, string password)
    {
        using var imap = new MailKit.Net.Imap.ImapClient();
        await imap.ConnectAsync("127.0.0.1", host.Port("imap"), MailKit.Security.SecureSocketOptions.None, Ct);
        try { await imap.AuthenticateAsync(address, password, Ct); return true; }
        catch (MailKit.Security.AuthenticationException) { return false; }
    }
}
