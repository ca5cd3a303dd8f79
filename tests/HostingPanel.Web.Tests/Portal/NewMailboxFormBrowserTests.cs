using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>
/// Issue 19 item 7 in a real browser: the new-mailbox form shows what is left and proposes a quota that fits (the plan's
/// unlimited default: all that is left); a mailbox saved with the field left empty gets the proposal; afterwards the
/// form says plainly that no room is left.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class NewMailboxFormBrowserTests(BrowserFixture host) : BrowserTest, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task NewMailboxForm_ShowsWhatIsLeft_AndTheProposal_AnEmptyQuotaTakesIt()
    {
        using var admin = host.CreateAdminApiClient();
        var run = Api.Api.Unique("");
        var customer = await Api.Api.CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Form " + run, email = $"form-{run}@customers.example", password = "a-Long-password-1",
            limits = new { maxDomains = 1, maxMailboxes = 4, diskQuotaMb = 2000 },
        });
        var customerId = customer["id"]!.GetValue<string>();
        var domain = $"form-{run}.example";
        await Api.Api.CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId });

        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync(PanelHostFixture.AdminEmail);
        await page.GetByLabel("Password").FillAsync(PanelHostFixture.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });

        // An equal share of 2000 MB among 4 mailboxes, in the field and in words.
        await page.GotoAsync($"/domains/{domain}/mailboxes/new");
        Assert.Equal("500", await page.Locator("#QuotaMb").InputValueAsync());
        var room = await page.Locator("#quota-room").InnerTextAsync();
        Assert.Contains("Left: 2000 MB for up to 4 more mailboxes.", room.Replace('\u00a0', ' '));
        Assert.Contains("Proposed: an equal share of what is left, 500 MB.", room.Replace('\u00a0', ' '));

        // The plan's default becomes unlimited: the form proposes everything that is left.
        await Api.Api.OkAsync(admin, HttpMethod.Patch, $"/api/v1/customers/{customerId}", new { defaultMailboxQuotaMb = -1 });
        await page.GotoAsync($"/domains/{domain}/mailboxes/new");
        Assert.Equal("2000", await page.Locator("#QuotaMb").InputValueAsync());
        Assert.Contains("Proposed: unlimited, as the plan says, which is all that is left, 2000 MB.", (await page.Locator("#quota-room").InnerTextAsync()).Replace('\u00a0', ' '));

        // Saved with the quota field emptied: the mailbox gets the proposal.
        await page.Locator("#LocalPart").FillAsync("boss");
        await page.Locator("#Password").FillAsync("a-Long-password-1");
        await page.Locator("#QuotaMb").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create mailbox" }).ClickAsync();
        await page.WaitForURLAsync(url => url.EndsWith($"/domains/{domain}", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
        var mailbox = await Api.Api.GetAsync(admin, $"/api/v1/domains/{domain}/mailboxes/boss");
        Assert.Equal(2000, mailbox["quotaMb"]!.GetValue<long>());

        // Nothing is left: the form says so.
        await page.GotoAsync($"/domains/{domain}/mailboxes/new");
        Assert.Contains("No room for another mailbox: the plan's disk is all given to mailboxes", await page.Locator("#quota-room").InnerTextAsync());
    }
}
