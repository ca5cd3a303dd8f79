using System.Net;
using System.Net.Http.Json;
using System.Text;
using HostingPanel.Web.Tests.Portal;
using Microsoft.AspNetCore.Routing;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Security;

/// <summary>
/// Issue 3 item 10 and issue 10 item 3 (mailcow CVE-2026-40874 class: one unchecked action is enough): every route
/// of the running app, taken from its endpoint data source, is requested for real as each role, on its own
/// tenant's object, a sibling customer's and another reseller's, and answers as <see cref="RouteMatrix"/> says.
/// </summary>
public abstract class AuthorizationMatrixRules(MatrixWorld world)
{
    /// <summary>"METHOD /pattern" of every endpoint the app maps, as the router sees them.</summary>
    private IReadOnlyList<string> AppRoutes()
    {
        var sources = ((IEndpointRouteBuilder)world.App).DataSources;
        return sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} /{(e.RoutePattern.RawText ?? "").Trim('/')}"))
            .Distinct().OrderBy(k => k, StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void EveryRouteOfTheApp_HasARule_AndEveryRuleARoute()
    {
        world.RequireAvailable();
        var routes = AppRoutes();
        Assert.NotEmpty(routes);
        var rules = RouteMatrix.Rules.Select(r => r.Key).ToList();
        Assert.Equal(rules.Count, rules.Distinct().Count());
        var missing = routes.Except(rules).ToList();
        var stale = rules.Except(routes).ToList();
        Assert.True(missing.Count == 0, "routes without a rule in RouteMatrix (say who may use them):\n" + string.Join("\n", missing));
        Assert.True(stale.Count == 0, "rules for routes the app does not have:\n" + string.Join("\n", stale));
    }

    [Fact]
    public Task PortalActions_AnswerEachRoleAsThePolicySays() => RunAsync(api: false);

    [Fact]
    public Task ApiEndpoints_AnswerEachRoleAsThePolicySays() => RunAsync(api: true);

    private async Task RunAsync(bool api)
    {
        world.RequireAvailable();
        var mismatches = new List<string>();
        var requests = 0;
        foreach (var rule in RouteMatrix.Rules.Where(r => r.Api == api))
        foreach (var role in Enum.GetValues<MatrixRole>())
        foreach (var ownership in rule.Tenant ? Enum.GetValues<Ownership>() : [Ownership.Own])
        {
            var expected = rule.Expect(role, ownership);
            var context = new MatrixContext(world, world.TenantOf(ownership), fresh: rule.ChangesTarget && expected == Outcome.Allowed);
            var request = await rule.Build(context);
            var (actual, status, body) = await SendAsync(rule, role, request);
            requests++;
            if (actual != expected)
                mismatches.Add($"{role} on {ownership}: {rule.Method} {request.Path} expected {expected}, got {actual} ({status}) {Snippet(body)}");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {requests} requests answered against the policy:\n" + string.Join("\n", mismatches));
        await AssertSeededObjectsUnchangedAsync();
    }

    private async Task<(Outcome, int, string)> SendAsync(RouteRule rule, MatrixRole role, MatrixRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(rule.Method), request.Path);
        PortalSession? own = null;
        HttpClient client;
        if (rule.Api)
        {
            client = world.ApiClient(role);
            if (request.Json is not null) message.Content = JsonContent.Create(request.Json);
            else if (request.Csv is not null) message.Content = new StringContent(request.Csv, Encoding.UTF8, request.CsvType);
        }
        else
        {
            // Sign-out ends the session it runs in: give it one of its own.
            if (rule.EndsSession) own = role == MatrixRole.Anonymous ? new PortalSession(world.CreateClient()) : await world.SignInAsync(role);
            var session = own ?? world.Portal(role);
            client = session.Client;
            if (request.Form is not null)
            {
                var fields = new Dictionary<string, string>(request.Form) { ["__RequestVerificationToken"] = await world.TokenAsync(role, own) };
                message.Content = new FormUrlEncodedContent(fields);
            }
            else if (request.Xml is not null) message.Content = new StringContent(request.Xml, Encoding.UTF8, "text/xml");
        }
        try
        {
            using var response = await client.SendAsync(message, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (rule.EndsOtherSessions) await world.RenewSessionAsync(role);
            return (Classify(rule, response, body), (int)response.StatusCode, body);
        }
        finally { own?.Dispose(); }
    }

    private static Outcome Classify(RouteRule rule, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (status is >= 300 and < 400)
        {
            var location = response.Headers.Location;
            var path = location is null ? "" : location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString;
            return path.StartsWith("/account/login", StringComparison.OrdinalIgnoreCase) ? Outcome.LoginPage : Outcome.Allowed;
        }
        return status switch
        {
            >= 200 and < 300 => rule.ShowsNothing?.Invoke(body) == true ? Outcome.NotFound : Outcome.Allowed,
            401 => Outcome.Unauthorized,
            403 => Outcome.Forbidden,
            404 => Outcome.NotFound,
            >= 500 => Outcome.ServerError,
            _ => Outcome.Refused,
        };
    }

    private static string Snippet(string body) => body.Length <= 300 ? body : body[..300] + "…";

    /// <summary>Refused requests changed nothing; allowed ones wrote the same values back.</summary>
    private async Task AssertSeededObjectsUnchangedAsync()
    {
        foreach (var t in new[] { world.A, world.A2, world.B })
        {
            var mailbox = await GetAsync(world.Admin, $"/api/v1/domains/{t.Domain}/mailboxes/{MatrixTenant.Mailbox}");
            Assert.Equal("Info", mailbox["displayName"]!.GetValue<string>());
            Assert.Equal(100, mailbox["quotaMb"]!.GetValue<long>());
            Assert.True(mailbox["enabled"]!.GetValue<bool>());
            var alias = await GetAsync(world.Admin, $"/api/v1/domains/{t.Domain}/aliases/{MatrixTenant.Alias}");
            Assert.Equal([t.MailboxAddress], alias["destinations"]!.AsArray().Select(d => d!.GetValue<string>()));
            var (gone, _, _) = await HostingPanel.Web.Tests.Api.Api.SendAsync(world.Admin, HttpMethod.Get, $"/api/v1/domains/{t.Domain}/mailboxes/{MatrixTenant.DeletedMailbox}");
            Assert.Equal(HttpStatusCode.NotFound, gone);
            var customer = await GetAsync(world.Admin, $"/api/v1/customers/{t.CustomerId}");
            Assert.True(customer["enabled"]!.GetValue<bool>());
            Assert.Equal(MatrixTenant.PlanMailboxes, customer["limits"]!["maxMailboxes"]!.GetValue<int>());
            var reseller = await GetAsync(world.Admin, $"/api/v1/resellers/{t.ResellerId}");
            Assert.True(reseller["enabled"]!.GetValue<bool>());
            Assert.Equal(t.ResellerName, reseller["name"]!.GetValue<string>());
        }
        var keys = (await GetAsync(world.Admin, "/api/v1/apikeys?pageSize=500"))["items"]!.AsArray();
        foreach (var id in world.SeededKeys.Values)
            Assert.True(keys.First(k => k!["id"]!.GetValue<string>() == id)!["active"]!.GetValue<bool>());
    }
}

[Collection(SecurityCollection.Name)]
public sealed class AuthorizationMatrixTests(MatrixWorld world) : AuthorizationMatrixRules(world);

/// <summary>The same matrix with the panel on PostgreSQL (its own seeded world).</summary>
[Collection(PostgresSecurityCollection.Name)]
public sealed class PostgresAuthorizationMatrixTests(PostgresMatrixWorld world) : AuthorizationMatrixRules(world);
