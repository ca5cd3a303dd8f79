using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;

namespace HostingPanel.Web.Tests;

/// <summary>
/// Suspending a reseller or customer stops the people and scripts under it, not only their mail: portal
/// sign-in says the account is suspended (only to someone with the right password), open sessions end,
/// API keys are refused; enabling the tenant again restores all of it.
/// </summary>
public sealed class SuspendedAccountTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    private const string Suspended = "This account is suspended. Contact your provider.";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SuspendedCustomer_CannotSignIn_LosesItsSession_AndItsApiKey_UntilEnabledAgain()
    {
        var tag = "s" + Guid.NewGuid().ToString("N")[..8];
        using var admin = await PortalSession.AdminAsync(host);
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        await PortalSetupSteps.CreateMailboxAsync(customer, $"{tag}.example", "owner", "owner-password-1");
        using var adminApi = host.CreateAdminApiClient();
        var customerId = await CustomerIdAsync(adminApi, $"Customer {tag}");
        var key = (await CreatedAsync(adminApi, "/api/v1/apikeys", new { name = "billing", userEmail = $"{tag}@customers.example" }))["key"]!.GetValue<string>();
        using var customerApi = host.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await customerApi.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await customer.StatusOfAsync($"/domains/{tag}.example"));

        await PatchAsync(adminApi, $"/api/v1/customers/{customerId}", new { enabled = false });

        // The open session ends within the standing cache's lifetime (10 s).
        await Eventually(async () => await customer.StatusOfAsync($"/domains/{tag}.example") == HttpStatusCode.Redirect);
        var refused = await customerApi.GetAsync("/api/v1/me", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains(Suspended, await refused.Content.ReadAsStringAsync(Ct));

        // A right password learns of the suspension; a wrong one learns nothing more than usual.
        Assert.Contains(Suspended, await SignInPageAsync($"{tag}@customers.example", PortalSetupSteps.Password));
        Assert.Contains(Suspended, await SignInPageAsync($"owner@{tag}.example", "owner-password-1"));
        var wrong = await SignInPageAsync($"{tag}@customers.example", "not-the-password");
        Assert.DoesNotContain(Suspended, wrong);
        Assert.Contains("The email or password is not right.", wrong);

        await PatchAsync(adminApi, $"/api/v1/customers/{customerId}", new { enabled = true });
        await Eventually(async () => (await customerApi.GetAsync("/api/v1/me", Ct)).StatusCode == HttpStatusCode.OK);
        using var again = await PortalSession.SignInAsync(host, $"{tag}@customers.example", PortalSetupSteps.Password);
        Assert.Equal(HttpStatusCode.OK, await again.StatusOfAsync($"/domains/{tag}.example"));
    }

    [Fact]
    public async Task SuspendedReseller_StopsItsOwnKey_AndItsCustomersKeys_NotOtherResellers()
    {
        var tag = "r" + Guid.NewGuid().ToString("N")[..8];
        using var adminApi = host.CreateAdminApiClient();
        var reseller = await CreatedAsync(adminApi, "/api/v1/resellers", new
        {
            name = $"Reseller {tag}", email = $"{tag}@resellers.example", password = PortalSetupSteps.Password,
            limits = new { maxCustomers = 5, maxDomains = 5, maxMailboxes = 5, diskQuotaMb = 5_000 },
        });
        var resellerKey = (await CreatedAsync(adminApi, "/api/v1/apikeys", new { name = "r", userEmail = $"{tag}@resellers.example" }))["key"]!.GetValue<string>();
        using var resellerApi = host.CreateClient(resellerKey);
        await CreatedAsync(resellerApi, "/api/v1/customers", new
        {
            name = $"Customer {tag}", email = $"c-{tag}@customers.example", password = PortalSetupSteps.Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 100 },
        });
        var customerKey = (await CreatedAsync(resellerApi, "/api/v1/apikeys", new { name = "c", userEmail = $"c-{tag}@customers.example" }))["key"]!.GetValue<string>();
        using var customerApi = host.CreateClient(customerKey);

        await PatchAsync(adminApi, $"/api/v1/resellers/{reseller["id"]!.GetValue<string>()}", new { enabled = false });

        Assert.Equal(HttpStatusCode.Unauthorized, (await resellerApi.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await customerApi.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await adminApi.GetAsync("/api/v1/me", Ct)).StatusCode);

        await PatchAsync(adminApi, $"/api/v1/resellers/{reseller["id"]!.GetValue<string>()}", new { enabled = true });
        Assert.Equal(HttpStatusCode.OK, (await resellerApi.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await customerApi.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    private async Task<string> SignInPageAsync(string email, string password)
    {
        using var anonymous = new PortalSession(host.CreateClient());
        var response = await anonymous.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // no redirect: not signed in
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static async Task<string> CustomerIdAsync(HttpClient adminApi, string name)
    {
        var page = JsonNode.Parse(await adminApi.GetStringAsync($"/api/v1/customers?search={Uri.EscapeDataString(name)}", Ct))!;
        return page["items"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<string>();
    }

    private static async Task<JsonObject> CreatedAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task PatchAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PatchAsJsonAsync(path, body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PATCH {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(250, Ct);
        }
    }
}
