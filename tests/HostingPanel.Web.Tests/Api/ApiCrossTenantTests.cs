using System.Net;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// Anything outside the key's scope does not exist for it: a reseller's key against another reseller's
/// tenants, and a customer's key against its sibling's, answer 404 for every verb, and change nothing.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiCrossTenantTests(ApiHostFixture host)
{
    /// <summary>Every route with a resource in it; {reseller}, {customer}, {domain}, {mailbox}, {alias} are the victim's.</summary>
    public static TheoryData<string, string, string?> Routes => new()
    {
        { "GET", "/api/v1/resellers/{reseller}", null },
        { "PATCH", "/api/v1/resellers/{reseller}", """{"enabled":false}""" },
        { "GET", "/api/v1/customers/{customer}", null },
        { "PATCH", "/api/v1/customers/{customer}", """{"enabled":false}""" },
        { "DELETE", "/api/v1/customers/{customer}", null },
        { "POST", "/api/v1/customers/{customer}/restore", null },
        { "DELETE", "/api/v1/resellers/{reseller}", null },
        { "POST", "/api/v1/resellers/{reseller}/restore", null },
        { "GET", "/api/v1/domains/{domain}", null },
        { "GET", "/api/v1/domains/{domain}/quota", null },
        { "PUT", "/api/v1/domains/{domain}/quota", """{"capMb":1}""" },
        { "DELETE", "/api/v1/domains/{domain}", null },
        { "POST", "/api/v1/domains/{domain}/restore", null },
        { "POST", "/api/v1/domains", """{"name":"stolen-{run}.example","customerId":"{customer}"}""" },
        { "GET", "/api/v1/domains/{domain}/mailboxes", null },
        { "POST", "/api/v1/domains/{domain}/mailboxes", """{"localPart":"intruder","password":"correct-horse-battery","quotaMb":1}""" },
        { "GET", "/api/v1/domains/{domain}/mailboxes/{mailbox}", null },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", """{"password":"owned-by-someone-else"}""" },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", """{"forwardTo":["me@attacker.example"],"keepCopy":false}""" },
        { "DELETE", "/api/v1/domains/{domain}/mailboxes/{mailbox}", null },
        { "POST", "/api/v1/domains/{domain}/mailboxes/{mailbox}/restore", null },
        { "GET", "/api/v1/domains/{domain}/mailboxes/{mailbox}/folders", null },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}/folders/Trash", """{"retentionDays":1}""" },
        { "GET", "/api/v1/domains/{domain}/mailboxes/{mailbox}/largest-messages", null },
        { "GET", "/api/v1/domains/{domain}/mailboxes/{mailbox}/activity", null },
        { "GET", "/api/v1/domains/{domain}/mailboxes/{mailbox}/usage-history", null },
        { "GET", "/api/v1/customers/{customer}/usage-history", null },
        { "GET", "/api/v1/resellers/{reseller}/usage-history?range=year", null },
        { "GET", "/api/v1/domains/{domain}/aliases", null },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"intruder","destinations":["me@attacker.example"]}""" },
        { "GET", "/api/v1/domains/{domain}/aliases/{alias}", null },
        { "PUT", "/api/v1/domains/{domain}/aliases/{alias}", """{"destinations":["me@attacker.example"]}""" },
        { "DELETE", "/api/v1/domains/{domain}/aliases/{alias}", null },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task ResellerKey_OnAnotherResellersTenants_Is404(string method, string route, string? body)
    {
        using var client = host.Client(host.A.ResellerKey);
        await AssertInvisibleAsync(client, method, Fill(route, host.B, host.B.Domain), body is null ? null : Fill(body, host.B, host.B.Domain));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task CustomerKey_OnAnotherResellersTenants_Is404(string method, string route, string? body)
    {
        // POST /domains with another customer's id: a customer's key always creates for itself, so it is not a leak.
        if (method == "POST" && route == "/api/v1/domains") return;
        using var client = host.Client(host.A.CustomerKey);
        await AssertInvisibleAsync(client, method, Fill(route, host.B, host.B.Domain), body is null ? null : Fill(body, host.B, host.B.Domain));
    }

    /// <summary>Siblings under the same reseller: customer A1's key against customer A2 (its domain) and against its reseller.</summary>
    [Theory]
    [MemberData(nameof(Routes))]
    public async Task CustomerKey_OnItsSiblingCustomer_Is404(string method, string route, string? body)
    {
        using var client = host.Client(host.A.CustomerKey);
        var sibling = host.A with { CustomerId = host.A.SiblingCustomerId };
        if (route.Contains("{domain}/mailboxes/{mailbox}") || route.Contains("{domain}/aliases/{alias}"))
            return; // the sibling's domain has no mailbox or alias; the domain routes cover it
        // POST /domains with another customer's id: a customer's key always creates for itself, so it is not a leak.
        if (method == "POST" && route == "/api/v1/domains") return;
        await AssertInvisibleAsync(client, method, Fill(route, sibling, host.A.SiblingDomain), body is null ? null : Fill(body, sibling, host.A.SiblingDomain));
    }

    [Fact]
    public async Task Lists_ShowOnlyTheKeysOwnTenants()
    {
        using var reseller = host.Client(host.A.ResellerKey);
        var customers = (await GetAsync(reseller, "/api/v1/customers?pageSize=500"))["items"]!.AsArray().Select(c => c!["id"]!.GetValue<string>()).ToList();
        Assert.Contains(host.A.CustomerId, customers);
        Assert.DoesNotContain(host.B.CustomerId, customers);
        var domains = (await GetAsync(reseller, "/api/v1/domains?pageSize=500"))["items"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToList();
        Assert.Contains(host.A.Domain, domains);
        Assert.DoesNotContain(host.B.Domain, domains);
        var resellers = (await GetAsync(reseller, "/api/v1/resellers"))["items"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();
        Assert.Equal([host.A.ResellerId], resellers);
        Assert.Equal(0, (await GetAsync(reseller, $"/api/v1/customers?resellerId={host.B.ResellerId}"))["total"]!.GetValue<int>());
        Assert.Equal(0, (await GetAsync(reseller, $"/api/v1/domains?customerId={host.B.CustomerId}"))["total"]!.GetValue<int>());
        var keys = (await GetAsync(reseller, "/api/v1/apikeys?pageSize=500"))["items"]!.AsArray().Select(k => k!["userEmail"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(host.B.ResellerEmail, keys);
        Assert.DoesNotContain(host.B.CustomerEmail, keys);
        Assert.DoesNotContain(Infrastructure.PanelHostFixture.AdminEmail, keys);
    }

    [Fact]
    public async Task RevokingAnotherTenantsKey_Is404()
    {
        using var admin = host.CreateAdminApiClient();
        var bKeys = (await GetAsync(admin, $"/api/v1/apikeys?search={Uri.EscapeDataString(host.B.ResellerEmail)}&pageSize=500"))["items"]!.AsArray();
        var id = bKeys.First()!["id"]!.GetValue<string>();
        using var reseller = host.Client(host.A.ResellerKey);
        await ProblemAsync(reseller, HttpMethod.Delete, $"/api/v1/apikeys/{id}", null, HttpStatusCode.NotFound);
        using var b = host.Client(host.B.ResellerKey);
        Assert.Equal("reseller", (await GetAsync(b, "/api/v1/me"))["role"]!.GetValue<string>());
    }

    private static string Fill(string template, SeededTenant victim, string domain) => template
        .Replace("{reseller}", victim.ResellerId).Replace("{customer}", victim.CustomerId)
        .Replace("{domain}", domain).Replace("{mailbox}", victim.Mailbox).Replace("{alias}", victim.Alias)
        .Replace("{run}", Guid.NewGuid().ToString("N")[..8]);

    private async Task AssertInvisibleAsync(HttpClient client, string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode} {text}");
        AssertProblem(response, System.Text.Json.Nodes.JsonNode.Parse(text), HttpStatusCode.NotFound);

        // Nothing changed: the victim's things are still there, as they were (seen by the admin).
        using var admin = host.CreateAdminApiClient();
        Assert.DoesNotContain("attacker", (await GetAsync(admin, $"/api/v1/domains/{host.B.Domain}/mailboxes/{host.B.Mailbox}")).ToJsonString());
        var alias = await GetAsync(admin, $"/api/v1/domains/{host.B.Domain}/aliases/{host.B.Alias}");
        Assert.DoesNotContain("attacker", alias.ToJsonString());
        Assert.True((await GetAsync(admin, $"/api/v1/customers/{host.B.CustomerId}"))["enabled"]!.GetValue<bool>());
        Assert.True((await GetAsync(admin, $"/api/v1/resellers/{host.B.ResellerId}"))["enabled"]!.GetValue<bool>());
        await GetAsync(admin, $"/api/v1/domains/{host.A.SiblingDomain}");
    }
}
