using System.Net;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Portal;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using ApiCalls = HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 16.8's gap: collisions made before the rule (or by a catch-all added later, which the rule cannot refuse) are
/// reported to the admin, on the dashboard and the System page, each with what it means; nobody else sees the report.
/// </summary>
public sealed class AddressCollisionReportTests(AccountsHostFixture host) : IClassFixture<AccountsHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string Email, string Key, string Id)> CustomerAsync(HttpClient admin, string email)
    {
        var created = await ApiCalls.CreatedAsync(admin, "/api/v1/customers", new { name = "Customer " + email, email, password = PortalSetupSteps.Password, limits = new { maxDomains = 3, maxMailboxes = 5, diskQuotaMb = 1000 } });
        return (email, await ApiHostFixture.KeyForAsync(admin, email), created["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task PreExistingCollisions_AndALaterCatchAll_AreReportedToTheAdmin_Only()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = $"clash-{Guid.NewGuid():N}"[..18] + ".example";
        var holder = await CustomerAsync(admin, $"holder-{Guid.NewGuid():N}"[..20] + "@customers.example");
        await ApiCalls.CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = holder.Id });
        using var asHolder = host.CreateClient(holder.Key);
        await ApiCalls.CreatedAsync(asHolder, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "boss", password = PortalSetupSteps.Password, quotaMb = 10 });

        // A stranger whose login is at the holder's domain: allowed (no such address yet); the holder's catch-all then takes its mail.
        var stranger = await CustomerAsync(admin, $"someone@{domain}");
        await ApiCalls.CreatedAsync(asHolder, $"/api/v1/domains/{domain}/aliases", new { localPart = "*", destinations = new[] { $"boss@{domain}" } });

        // A collision from before the rule: an account whose address was set to the mailbox's directly in the database.
        var old = await CustomerAsync(admin, $"old-{Guid.NewGuid():N}"[..16] + "@customers.example");
        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = (await users.FindByEmailAsync(old.Email))!;
            Assert.True((await users.SetEmailAsync(user, $"boss@{domain}")).Succeeded);
        }

        using var portal = await PortalSession.AdminAsync(host);
        foreach (var page in new[] { "/system", "/" })
        {
            var html = WebUtility.HtmlDecode(await portal.GetStringAsync(page));
            Assert.Contains($"boss@{domain} signs in to a portal account and is also a mailbox of {domain}", html);
            Assert.Contains($"{stranger.Email} signs in to a portal account, and the catch-all of {domain}, which another customer holds, receives mail to it", html);
            Assert.Contains("Not ready for production", html);
        }

        // The report is the admin's: a customer gets 404 for the System page and sees no collision on its dashboard.
        using var customer = await PortalSession.SignInAsync(host, holder.Email, PortalSetupSteps.Password);
        Assert.Equal(HttpStatusCode.NotFound, await customer.StatusOfAsync("/system"));
        Assert.DoesNotContain("signs in to a portal account", await customer.GetStringAsync("/"));

        // Resolved (the account gets another address, the catch-all goes): the two lines are gone.
        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            Assert.True((await users.SetEmailAsync((await users.FindByEmailAsync($"boss@{domain}"))!, $"moved-{Guid.NewGuid():N}"[..18] + "@customers.example")).Succeeded);
        }
        Assert.Equal(HttpStatusCode.NoContent, (await asHolder.DeleteAsync($"/api/v1/domains/{domain}/aliases/*", Ct)).StatusCode);
        var after = WebUtility.HtmlDecode(await portal.GetStringAsync("/system"));
        Assert.DoesNotContain($"boss@{domain} signs in", after);
        Assert.DoesNotContain($"catch-all of {domain}", after);
    }
}
