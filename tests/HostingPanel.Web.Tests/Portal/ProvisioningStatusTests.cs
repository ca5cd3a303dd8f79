using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Item 7: every list row shows its provisioning status, the reason of a failure, and Retry.</summary>
internal static class ProvisioningSteps
{
    public static async Task<Dictionary<string, (string Status, string? Detail)>> StatusesAsync(PortalSession session, params string[] keys)
    {
        var query = string.Join("&", keys.Select(k => "key=" + Uri.EscapeDataString(k)));
        var response = await session.Client.GetAsync("/provisioning/status?" + query, PortalSession.Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(PortalSession.Ct));
        return json.RootElement.GetProperty("items").EnumerateArray().ToDictionary(
            i => i.GetProperty("key").GetString()!,
            i => (i.GetProperty("status").GetString()!, i.GetProperty("statusDetail").GetString()));
    }

    /// <summary>What the worker does when the engine refuses: the row becomes failed with a reason.</summary>
    public static async Task FailMailboxAsync(PanelHostFixture host, string domain, string localPart, string reason)
    {
        await using var scope = host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var mailbox = await db.Mailboxes.IgnoreQueryFilters().Include(m => m.Domain)
            .SingleAsync(m => m.LocalPart == localPart && m.Domain!.Name == domain, PortalSession.Ct);
        mailbox.SetStatus(EntityStatus.Failed, reason);
        await db.SaveChangesAsync(PortalSession.Ct);
    }
}

public sealed class ProvisioningStatusTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    [Fact]
    public async Task NewMailbox_GoesFromPendingToActive_AsReportedByTheStatusEndpoint_AndRetryQueuesItAgain()
    {
        var tag = "st" + Guid.NewGuid().ToString("N")[..6];
        var domain = $"{tag}.example";
        using var admin = await PortalSession.AdminAsync(host);
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        await PortalSetupSteps.CreateMailboxAsync(customer, domain, "info");
        var key = $"mailbox:{domain}/info";

        var page = await customer.GetStringAsync($"/domains/{domain}");
        Assert.Contains($"data-status-key=\"{key}\"", page);

        var status = "";
        for (var i = 0; i < 100 && status != "active"; i++)
        {
            status = (await ProvisioningSteps.StatusesAsync(customer, key, $"domain:{domain}")).GetValueOrDefault(key).Status;
            if (status != "active") await Task.Delay(100, PortalSession.Ct);
        }
        Assert.Equal("active", status);
        Assert.Equal("active", (await ProvisioningSteps.StatusesAsync(customer, $"domain:{domain}"))[$"domain:{domain}"].Status);

        // Retry of any row queues it again: pending at once, active again once the worker has applied it.
        var retry = await customer.PostFormAsync($"/domains/{domain}", "/provisioning/retry", new() { ["key"] = key, ["returnUrl"] = $"/domains/{domain}" });
        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        Assert.Equal($"/domains/{domain}", retry.Headers.Location?.OriginalString);
        for (var i = 0; i < 100 && status != "active"; i++)
        {
            status = (await ProvisioningSteps.StatusesAsync(customer, key))[key].Status;
            if (status != "active") await Task.Delay(100, PortalSession.Ct);
        }
        Assert.Equal("active", status);
    }

    [Fact]
    public async Task FailedRow_ShowsReasonAndRetry_RetryMakesItPending_OtherTenantsSeeNothing()
    {
        var tag = "sf" + Guid.NewGuid().ToString("N")[..6];
        var domain = $"{tag}.example";
        using var admin = await PortalSession.AdminAsync(host);
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        await PortalSetupSteps.CreateMailboxAsync(customer, domain, "info");
        var key = $"mailbox:{domain}/info";
        for (var i = 0; i < 100 && (await ProvisioningSteps.StatusesAsync(customer, key))[key].Status != "active"; i++) await Task.Delay(100, PortalSession.Ct);
        await ProvisioningSteps.FailMailboxAsync(host, domain, "info", "engine refused: disk full");

        var page = await customer.GetStringAsync($"/domains/{domain}");
        Assert.Contains("engine refused: disk full", page);
        Assert.Contains("action=\"/provisioning/retry\"", page);
        Assert.Equal(("failed", "engine refused: disk full"), (await ProvisioningSteps.StatusesAsync(customer, key))[key]);

        // Another tenant: the row does not exist for it, and its retry is a 404.
        using var other = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag + "x");
        Assert.Empty(await ProvisioningSteps.StatusesAsync(other, key, $"domain:{domain}"));
        var foreign = await other.PostFormAsync($"/domains/{tag}x.example", "/provisioning/retry", new() { ["key"] = key });
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal("failed", (await ProvisioningSteps.StatusesAsync(customer, key))[key].Status);

        // Without an antiforgery token the POST is refused.
        var forged = await customer.Client.PostAsync("/provisioning/retry", new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = key }), PortalSession.Ct);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        var retry = await customer.PostFormAsync($"/domains/{domain}", "/provisioning/retry", new() { ["key"] = key, ["returnUrl"] = "https://evil.example/" });
        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        Assert.Equal($"/domains/{domain}", retry.Headers.Location?.OriginalString);
        var after = (await ProvisioningSteps.StatusesAsync(customer, key))[key];
        Assert.Contains(after.Status, new[] { "pending", "active" }); // the worker may already have applied it
        Assert.Null(after.Detail);
    }
}

/// <summary>The status script updates a row in place (no reload) when the worker's result arrives.</summary>
// One Chromium at a time: several browsers and hosts at once starve a 2-core machine.
[Collection(BrowserCollection.Name)]
public sealed class ProvisioningStatusBrowserTests(BrowserFixture host) : BrowserTest, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task PendingRow_TurnsFailedWithReason_WithoutReload_ThenRetryMakesItPending()
    {
        var tag = "sb" + Guid.NewGuid().ToString("N")[..6];
        var domain = $"{tag}.example";
        using (var admin = await PortalSession.AdminAsync(host))
        using (var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag))
            await PortalSetupSteps.CreateMailboxAsync(customer, domain, "info");

        var page = await host.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error" && !m.Location.Contains("favicon.ico")) errors.Add(m.Text); };
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync($"{tag}@customers.example");
        await page.GetByLabel("Password").FillAsync(PortalSetupSteps.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Commit, not load: the redirect chain after sign-in can finish before Playwright watches for "load" (it then waits forever).
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        await page.GotoAsync($"/domains/{domain}");

        // This host runs no worker: the row stays pending until the test plays the worker.
        var cell = page.Locator($"[data-status-key=\"mailbox:{domain}/info\"]");
        await Assertions.Expect(cell.Locator("[data-role=badge]")).ToHaveTextAsync("pending");
        await Assertions.Expect(cell.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeHiddenAsync();
        await page.EvaluateAsync("() => { window.__notReloaded = true; }");

        await ProvisioningSteps.FailMailboxAsync(host, domain, "info", "engine refused: disk full");
        await Assertions.Expect(cell.Locator("[data-role=badge]")).ToHaveTextAsync("failed");
        await Assertions.Expect(cell).ToContainTextAsync("engine refused: disk full");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"), "the page was reloaded");

        await cell.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        await Assertions.Expect(page.Locator(".alert-success")).ToContainTextAsync("queued for provisioning again");
        await Assertions.Expect(page.Locator($"[data-status-key=\"mailbox:{domain}/info\"] [data-role=badge]")).ToHaveTextAsync("pending");
        Assert.Empty(errors);
    }
}
