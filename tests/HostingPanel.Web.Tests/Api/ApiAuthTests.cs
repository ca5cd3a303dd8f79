using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>Keys, roles, the OpenAPI document and the reference page.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiAuthTests(ApiHostFixture host)
{
    [Fact]
    public async Task MissingKey_Is401ProblemJson_WithBearerChallenge()
    {
        using var client = host.CreateClient();
        var (status, json, response) = await SendAsync(client, HttpMethod.Get, "/api/v1/domains");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        AssertProblem(response, json, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("hp_not_a_real_key")]
    [InlineData("")]
    public async Task InvalidKey_Is401(string key)
    {
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + key);
        await ProblemAsync(client, HttpMethod.Post, "/api/v1/domains", new { name = "x.example" }, HttpStatusCode.Unauthorized);
    }

    /// <summary>A signed-in portal session is no API credential: cross-site requests cannot ride on it.</summary>
    [Fact]
    public async Task PortalCookie_DoesNotAuthenticateTheApi()
    {
        string cookie;
        using (var scope = host.App.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var admin = await users.FindByEmailAsync(Infrastructure.PanelHostFixture.AdminEmail);
            var principal = await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>().CreateAsync(admin!);
            var options = scope.ServiceProvider.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme);
            cookie = $"{options.Cookie.Name}={options.TicketDataFormat.Protect(new AuthenticationTicket(principal, IdentityConstants.ApplicationScheme))}";
        }
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        var portal = await client.GetAsync("/", Ct);
        Assert.NotEqual(HttpStatusCode.Redirect, portal.StatusCode); // the cookie is a valid portal session
        await ProblemAsync(client, HttpMethod.Get, "/api/v1/me", null, HttpStatusCode.Unauthorized);
        await ProblemAsync(client, HttpMethod.Post, "/api/v1/apikeys", new { name = "csrf" }, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Me_DescribesTheCaller_ForEachRole()
    {
        using var admin = host.CreateAdminApiClient();
        var me = await GetAsync(admin, "/api/v1/me");
        Assert.Equal(Infrastructure.PanelHostFixture.AdminEmail, me["email"]!.GetValue<string>());
        Assert.Equal("admin", me["role"]!.GetValue<string>());

        using var support = host.Client(host.SupportKey);
        Assert.Equal("support", (await GetAsync(support, "/api/v1/me"))["role"]!.GetValue<string>());

        using var reseller = host.Client(host.A.ResellerKey);
        me = await GetAsync(reseller, "/api/v1/me");
        Assert.Equal("reseller", me["role"]!.GetValue<string>());
        Assert.Equal(host.A.ResellerEmail, me["email"]!.GetValue<string>());
        Assert.Equal(host.A.ResellerId, me["resellerId"]!.GetValue<string>());

        using var customer = host.Client(host.A.CustomerKey);
        me = await GetAsync(customer, "/api/v1/me");
        Assert.Equal("customer", me["role"]!.GetValue<string>());
        Assert.Equal(host.A.CustomerId, me["customerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiKey_IsShownOnce_Listed_AndRevocable()
    {
        using var admin = host.CreateAdminApiClient();
        var created = await CreatedAsync(admin, "/api/v1/apikeys", new { name = "billing" });
        var key = created["key"]!.GetValue<string>();
        var id = created["id"]!.GetValue<string>();
        Assert.StartsWith("hp_", key);

        using var withKey = host.Client(key);
        Assert.Equal("admin", (await GetAsync(withKey, "/api/v1/me"))["role"]!.GetValue<string>());

        var page = await GetAsync(admin, "/api/v1/apikeys?search=billing&pageSize=500");
        var listed = page["items"]!.AsArray().Single(k => k!["id"]!.GetValue<string>() == id)!;
        Assert.Equal("billing", listed["name"]!.GetValue<string>());
        Assert.True(listed["active"]!.GetValue<bool>());
        Assert.NotNull(listed["lastUsedAt"]?.GetValue<DateTimeOffset>());
        Assert.Null(listed["key"]);
        Assert.DoesNotContain(key, page.ToJsonString());

        using (var scope = host.App.Services.CreateScope())
        {
            // Stored as a hash only.
            var stored = await scope.ServiceProvider.GetRequiredService<HostingPanel.Data.HostingPanelDbContext>().ApiKeys
                .SingleAsync(k => k.Id == Guid.Parse(id), Ct);
            Assert.Equal(HostingPanel.Application.ApiKeys.ApiKeySecrets.Hash(key), stored.SecretHash);
            Assert.DoesNotContain(key, stored.SecretHash + stored.Prefix + stored.Name);
        }

        var (status, _, _) = await SendAsync(admin, HttpMethod.Delete, $"/api/v1/apikeys/{id}");
        Assert.Equal(HttpStatusCode.NoContent, status);
        await ProblemAsync(withKey, HttpMethod.Get, "/api/v1/me", null, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ResellerKey_CreatesKeysForItsCustomers_NotForOthers()
    {
        using var reseller = host.Client(host.A.ResellerKey);
        var mine = await CreatedAsync(reseller, "/api/v1/apikeys", new { name = "for my customer", userEmail = host.A.CustomerEmail });
        Assert.False(string.IsNullOrEmpty(mine["key"]!.GetValue<string>()));

        var other = await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/apikeys", new { name = "steal", userEmail = host.B.CustomerEmail }, HttpStatusCode.NotFound);
        Assert.Equal("The user was not found.", other["detail"]!.GetValue<string>());
        await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/apikeys", new { name = "up", userEmail = Infrastructure.PanelHostFixture.AdminEmail }, HttpStatusCode.NotFound);
        await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/apikeys", new { name = "peer", userEmail = host.B.ResellerEmail }, HttpStatusCode.NotFound);

        using var customer = host.Client(host.A.CustomerKey);
        await ProblemAsync(customer, HttpMethod.Post, "/api/v1/apikeys", new { name = "up", userEmail = host.A.ResellerEmail }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryEndpoint_BodyAndError()
    {
        using var client = host.CreateClient();
        var doc = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json", Ct))!;
        var paths = doc["paths"]!.AsObject();
        (string Path, string Verb)[] contract =
        [
            ("/api/v1/me", "get"), ("/api/v1/apikeys", "get"), ("/api/v1/apikeys", "post"), ("/api/v1/apikeys/{id}", "delete"),
            ("/api/v1/resellers", "get"), ("/api/v1/resellers", "post"), ("/api/v1/resellers/{id}", "get"), ("/api/v1/resellers/{id}", "patch"),
            ("/api/v1/customers", "get"), ("/api/v1/customers", "post"), ("/api/v1/customers/{id}", "get"), ("/api/v1/customers/{id}", "patch"),
            ("/api/v1/domains", "get"), ("/api/v1/domains", "post"), ("/api/v1/domains/{domain}", "get"), ("/api/v1/domains/{domain}", "delete"),
            ("/api/v1/domains/{domain}/mailboxes", "get"), ("/api/v1/domains/{domain}/mailboxes", "post"),
            ("/api/v1/domains/{domain}/mailboxes/{localPart}", "get"), ("/api/v1/domains/{domain}/mailboxes/{localPart}", "patch"),
            ("/api/v1/domains/{domain}/mailboxes/{localPart}", "delete"), ("/api/v1/domains/{domain}/mailboxes/{localPart}/restore", "post"),
            ("/api/v1/domains/{domain}/aliases", "get"), ("/api/v1/domains/{domain}/aliases", "post"),
            ("/api/v1/domains/{domain}/aliases/{localPart}", "get"), ("/api/v1/domains/{domain}/aliases/{localPart}", "put"),
            ("/api/v1/domains/{domain}/aliases/{localPart}", "delete"),
        ];
        foreach (var (path, verb) in contract)
        {
            var op = paths[path]?[verb];
            Assert.True(op is not null, $"{verb} {path} missing from the OpenAPI document");
            var responses = op!["responses"]!.AsObject();
            Assert.True(responses.ContainsKey("401"), $"{verb} {path} does not document 401");
            Assert.True(responses.ContainsKey("429"), $"{verb} {path} does not document 429");
            if (verb is "post" or "patch" or "put" && !path.EndsWith("/restore", StringComparison.Ordinal))
            {
                Assert.NotNull(op["requestBody"]?["content"]?["application/json"]?["schema"]);
                Assert.True(responses.ContainsKey("400") && responses.ContainsKey("415"), $"{verb} {path} does not document 400/415");
            }
            if (path.Contains('{')) Assert.True(responses.ContainsKey("404"), $"{verb} {path} does not document 404");
        }
        var mailboxCreate = paths["/api/v1/domains/{domain}/mailboxes"]!["post"]!["responses"]!.AsObject();
        Assert.True(mailboxCreate.ContainsKey("201") && mailboxCreate.ContainsKey("409") && mailboxCreate.ContainsKey("422"));
        Assert.Equal("application/problem+json", mailboxCreate["422"]!["content"]!.AsObject().Single().Key);
        Assert.Equal("bearer", doc["components"]!["securitySchemes"]!["ApiKey"]!["scheme"]!.GetValue<string>());
        var status = doc["components"]!["schemas"]!["EntityStatus"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>());
        Assert.Equal(["pending", "active", "failed", "suspended", "deleting"], status);
        Assert.DoesNotContain("/account/login", paths.Select(p => p.Key));
        var createMailbox = doc["components"]!["schemas"]!["CreateMailboxInput"]!;
        // quotaMb may be left out (the domain's proposal is taken), so it is optional and may be null.
        Assert.Equal(["localPart", "password"], createMailbox["required"]!.AsArray().Select(v => v!.GetValue<string>()));
        var quotaType = createMailbox["properties"]!["quotaMb"]!["type"]!;
        Assert.Contains("integer", quotaType is System.Text.Json.Nodes.JsonArray types ? types.Select(t => t!.GetValue<string>()) : [quotaType.GetValue<string>()]);
        var pageSize = paths["/api/v1/domains"]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "pageSize")!;
        Assert.Contains("500", pageSize["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReferencePage_IsSelfContained_AndReadsTheOpenApiDocument()
    {
        using var client = host.CreateClient();
        var response = await client.GetAsync("/api/docs", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("fetch('/openapi/v1.json')", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
    }
}
