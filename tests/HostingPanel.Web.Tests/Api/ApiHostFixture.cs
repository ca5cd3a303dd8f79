using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HostingPanel.Data.Identity;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Api;

/// <summary>What one reseller owns in the seeded world, and the keys to act as it and its customer.</summary>
public sealed record SeededTenant(
    string ResellerId, string ResellerEmail, string ResellerKey,
    string CustomerId, string CustomerEmail, string CustomerKey,
    string Domain, string Mailbox, string Alias,
    string SiblingCustomerId, string SiblingDomain);

/// <summary>
/// The real host (SQLite) seeded through the API itself: two resellers A and B, each with a customer that
/// has a domain, a mailbox and an alias, plus a second customer with a domain; a support user; keys for all.
/// </summary>
public class ApiHostFixture : PanelHostFixture, IAsyncLifetime
{
    public const string Password = "correct-horse-battery";

    private readonly TestProvider _provider = TestProvider.Sqlite;

    public ApiHostFixture() { }

    protected ApiHostFixture(TestProvider provider) : base(provider) => _provider = provider;

    /// <summary>
    /// The classes sharing this world run their tests in parallel with the same keys, so the per-key rate limit would
    /// decide by timing which request gets 429. It is lifted here; <see cref="ApiRateLimitTests"/> tests the limit.
    /// </summary>
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        [.. base.ExtraSettings(), new("Api:RateLimit:Burst", "1000000"), new("Api:RateLimit:PerSecond", "1000000")];

    public SeededTenant A { get; private set; } = null!;
    public SeededTenant B { get; private set; } = null!;
    public string SupportKey { get; private set; } = null!;
    public string SupportEmail { get; } = "support@staff.example";

    public new async ValueTask InitializeAsync()
    {
        // Without PostgreSQL the tests themselves skip (TestEnvironment.RequirePostgres); a throwing fixture would fail them.
        if (_provider == TestProvider.PostgreSql && string.IsNullOrWhiteSpace(TestEnvironment.PostgresConnectionString)) return;
        await base.InitializeAsync();
        using var admin = CreateAdminApiClient();
        A = await SeedAsync(admin, "a");
        B = await SeedAsync(admin, "b");

        using (var scope = App.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var support = new AppUser { UserName = SupportEmail, Email = SupportEmail, EmailConfirmed = true, DisplayName = "Support" };
            Assert.True((await users.CreateAsync(support, Password)).Succeeded);
            Assert.True((await users.AddToRoleAsync(support, Roles.Support)).Succeeded);
        }
        SupportKey = await KeyForAsync(admin, SupportEmail);
    }

    public HttpClient Client(string key) => CreateClient(key);

    private async Task<SeededTenant> SeedAsync(HttpClient admin, string tag)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var resellerEmail = $"reseller-{tag}-{run}@resellers.example";
        var reseller = await Api.CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = $"Reseller {tag.ToUpperInvariant()}",
            email = resellerEmail,
            password = Password,
            limits = new { maxCustomers = 10, maxDomains = 20, maxMailboxes = 20, diskQuotaMb = 100_000 },
        });
        var resellerKey = await KeyForAsync(admin, resellerEmail);
        using var asReseller = CreateClient(resellerKey);

        var customerEmail = $"customer-{tag}-{run}@customers.example";
        var customer = await Api.CreatedAsync(asReseller, "/api/v1/customers", new
        {
            name = $"Customer {tag.ToUpperInvariant()}1",
            email = customerEmail,
            password = Password,
            limits = new { maxDomains = 5, maxMailboxes = 5, diskQuotaMb = 10_000 },
        });
        var customerKey = await KeyForAsync(asReseller, customerEmail);
        var sibling = await Api.CreatedAsync(asReseller, "/api/v1/customers", new
        {
            name = $"Customer {tag.ToUpperInvariant()}2",
            email = $"customer2-{tag}-{run}@customers.example",
            password = Password,
            limits = new { maxDomains = 2, maxMailboxes = 2, diskQuotaMb = 1_000 },
        });

        var domain = $"{tag}-{run}.example";
        await Api.CreatedAsync(asReseller, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        var siblingDomain = $"{tag}2-{run}.example";
        await Api.CreatedAsync(asReseller, "/api/v1/domains", new { name = siblingDomain, customerId = sibling["id"]!.GetValue<string>() });
        await Api.CreatedAsync(asReseller, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "info", password = Password, quotaMb = 100 });
        await Api.CreatedAsync(asReseller, $"/api/v1/domains/{domain}/aliases", new { localPart = "sales", destinations = new[] { $"info@{domain}" } });

        return new SeededTenant(reseller["id"]!.GetValue<string>(), resellerEmail, resellerKey,
            customer["id"]!.GetValue<string>(), customerEmail, customerKey, domain, "info", "sales",
            sibling["id"]!.GetValue<string>(), siblingDomain);
    }

    public static async Task<string> KeyForAsync(HttpClient caller, string userEmail)
    {
        var key = await Api.CreatedAsync(caller, "/api/v1/apikeys", new { name = $"key for {userEmail}", userEmail });
        return key["key"]!.GetValue<string>();
    }
}

/// <summary>One host for every API test class: starting a host per class would cost more than the tests.</summary>
[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiHostFixture>
{
    public const string Name = "API on SQLite";
}

/// <summary>Small helpers that keep the tests about the rule they check.</summary>
public static class Api
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<JsonObject> CreatedAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(
        HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    public static async Task<JsonNode> OkAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        var (status, json, _) = await SendAsync(client, method, path, body);
        Assert.True(status == HttpStatusCode.OK, $"{method} {path}: {(int)status} {json?.ToJsonString()}");
        return json!;
    }

    public static Task<JsonNode> GetAsync(HttpClient client, string path) => OkAsync(client, HttpMethod.Get, path);

    /// <summary>Asserts a problem+json answer with this status; returns it.</summary>
    public static async Task<JsonObject> ProblemAsync(HttpClient client, HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        var (status, json, response) = await SendAsync(client, method, path, body);
        Assert.True(status == expected, $"{method} {path}: expected {(int)expected}, got {(int)status} {json?.ToJsonString()}");
        return AssertProblem(response, json, expected);
    }

    public static JsonObject AssertProblem(HttpResponseMessage response, JsonNode? json, HttpStatusCode expected)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = json!.AsObject();
        Assert.Equal((int)expected, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
        return problem;
    }

    /// <summary>The messages of one field in a problem's `errors`.</summary>
    public static string[] Errors(JsonObject problem, string field)
    {
        var errors = problem["errors"]?.AsObject();
        Assert.True(errors is not null && errors.ContainsKey(field), $"expected errors.{field} in {problem.ToJsonString()}");
        return errors![field]!.AsArray().Select(m => m!.GetValue<string>()).ToArray();
    }

    public static string Unique(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..8]}";
}
