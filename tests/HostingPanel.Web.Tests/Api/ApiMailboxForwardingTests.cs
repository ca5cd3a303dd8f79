using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Application.Users;
using HostingPanel.Data.Identity;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// PATCH .../mailboxes/{localPart} with `forwardTo` and `keepCopy`: the owner's forwarding rules through the API, with the
/// portal's messages, against what a hostile caller sends (itself, loops, floods, malformed addresses, other tenants).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiMailboxForwardingTests(ApiHostFixture host)
{
    /// <summary>A customer of the admin's own with one domain and the given mailboxes; returns the domain.</summary>
    private async Task<string> DomainWithMailboxesAsync(HttpClient admin, params string[] localParts)
    {
        var run = Unique("fw");
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = $"Forwarding {run}", email = $"{run}@customers.example", password = ApiHostFixture.Password,
            limits = new { maxDomains = 1, maxMailboxes = 5, diskQuotaMb = 100 },
        });
        var domain = $"{run}.example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        foreach (var lp in localParts)
            await CreatedAsync(admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = lp, password = ApiHostFixture.Password, quotaMb = 10 });
        return domain;
    }

    private static string[] StringList(JsonNode node) => node.AsArray().Select(a => a!.GetValue<string>()).ToArray();

    [Fact]
    public async Task ForwardToAndKeepCopy_AreSetAndShown_AsTheOwnerSetsThem()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await DomainWithMailboxesAsync(admin, "boss");
        var path = $"/api/v1/domains/{domain}/mailboxes/boss";

        var fresh = await GetAsync(admin, path);
        Assert.Empty(fresh["forwardTo"]!.AsArray());
        Assert.True(fresh["keepCopy"]!.GetValue<bool>());

        // Case and duplicates collapse to one address, as in the owner's form.
        var set = await OkAsync(admin, HttpMethod.Patch, path, new { forwardTo = new[] { "Assistant@Elsewhere.example", "assistant@elsewhere.example", "desk@elsewhere.example" }, keepCopy = false });
        Assert.Equal(["assistant@elsewhere.example", "desk@elsewhere.example"], StringList(set["forwardTo"]!));
        Assert.False(set["keepCopy"]!.GetValue<bool>());
        Assert.Equal("pending", set["status"]!.GetValue<string>());

        // Each half alone leaves the other as it is.
        var keep = await OkAsync(admin, HttpMethod.Patch, path, new { keepCopy = true });
        Assert.Equal(["assistant@elsewhere.example", "desk@elsewhere.example"], StringList(keep["forwardTo"]!));
        Assert.True(keep["keepCopy"]!.GetValue<bool>());
        var other = await OkAsync(admin, HttpMethod.Patch, path, new { displayName = "The Boss" });
        Assert.Equal(2, other["forwardTo"]!.AsArray().Count);

        // An empty list stops forwarding; without forwarding a copy is always kept (mail must land somewhere).
        var stopped = await OkAsync(admin, HttpMethod.Patch, path, new { forwardTo = Array.Empty<string>(), keepCopy = false });
        Assert.Empty(stopped["forwardTo"]!.AsArray());
        Assert.True(stopped["keepCopy"]!.GetValue<bool>());
        Assert.True((await GetAsync(admin, path))["keepCopy"]!.GetValue<bool>());

        // The owner's own view (the portal page) shows the same through the same service.
        await OkAsync(admin, HttpMethod.Patch, path, new { forwardTo = new[] { "assistant@elsewhere.example" }, keepCopy = false });
        var listed = (await GetAsync(admin, $"/api/v1/domains/{domain}/mailboxes"))["items"]!.AsArray().Single(m => m!["localPart"]!.GetValue<string>() == "boss")!;
        Assert.Equal(["assistant@elsewhere.example"], StringList(listed["forwardTo"]!));
        Assert.False(listed["keepCopy"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ForwardToItself_InAnySpelling_Is400_WithThePortalsMessage()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await DomainWithMailboxesAsync(admin, "self");
        var problem = await ProblemAsync(admin, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/self",
            new { forwardTo = new[] { "elsewhere@other.example", $"SELF@{domain.ToUpperInvariant()}" }, keepCopy = true }, HttpStatusCode.BadRequest);
        Assert.Equal([ForwardingRules.ToItself], Errors(problem, "forwardTo"));
        Assert.Empty((await GetAsync(admin, $"/api/v1/domains/{domain}/mailboxes/self"))["forwardTo"]!.AsArray());
    }

    [Fact]
    public async Task ElevenAddresses_Is400_AndAHugeList_GetsOneMessage_NotOnePerAddress()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await DomainWithMailboxesAsync(admin, "many");
        var path = $"/api/v1/domains/{domain}/mailboxes/many";
        var eleven = Enumerable.Range(0, 11).Select(i => $"to{i}@elsewhere.example").ToArray();
        Assert.Equal([ForwardingRules.TooMany], Errors(await ProblemAsync(admin, HttpMethod.Patch, path, new { forwardTo = eleven }, HttpStatusCode.BadRequest), "forwardTo"));
        await OkAsync(admin, HttpMethod.Patch, path, new { forwardTo = eleven[..10] });

        // Fifty thousand malformed entries (under the 1 MB body limit): one message, no per-entry errors.
        var flood = Enumerable.Range(0, 50_000).Select(i => $"x{i}").ToArray();
        var problem = await ProblemAsync(admin, HttpMethod.Patch, path, new { forwardTo = flood }, HttpStatusCode.BadRequest);
        Assert.Single(problem["errors"]!.AsObject());
        Assert.Equal([ForwardingRules.TooMany], Errors(problem, "forwardTo"));
        Assert.Equal(10, (await GetAsync(admin, path))["forwardTo"]!.AsArray().Count);
    }

    [Fact]
    public async Task MalformedAndOverLongAddresses_Are400_NamingEachEntry()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await DomainWithMailboxesAsync(admin, "bad");
        var path = $"/api/v1/domains/{domain}/mailboxes/bad";
        var problem = await ProblemAsync(admin, HttpMethod.Patch, path, new
        {
            forwardTo = new string?[]
            {
                "ok@elsewhere.example",
                "not-an-address",
                "two words@elsewhere.example",
                new string('a', 65) + "@elsewhere.example",
                "someone@" + string.Join('.', Enumerable.Repeat(new string('d', 60), 5)) + ".example",
                "evil@elsewhere.example\r\nBcc: victim@elsewhere.example",
                null,
            },
        }, HttpStatusCode.BadRequest);
        var fields = problem["errors"]!.AsObject().Select(e => e.Key).Order().ToArray();
        Assert.Equal(["forwardTo[1]", "forwardTo[2]", "forwardTo[3]", "forwardTo[4]", "forwardTo[5]", "forwardTo[6]"], fields);
        Assert.Empty((await GetAsync(admin, path))["forwardTo"]!.AsArray());

        // Wrong JSON types are a 400 naming the field, not a 500.
        var (status, body, response) = await SendAsync(admin, HttpMethod.Patch, path, new { forwardTo = "one@elsewhere.example" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertProblem(response, body, HttpStatusCode.BadRequest);
        (status, body, response) = await SendAsync(admin, HttpMethod.Patch, path, new { keepCopy = "no" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertProblem(response, body, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ForwardOnly_BackToItself_ThroughAnAlias_AnotherForward_OrTheCatchAll_Is400_WithACopyItIsAllowed()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await DomainWithMailboxesAsync(admin, "alpha", "beta", "gamma");
        string Mailbox(string lp) => $"/api/v1/domains/{domain}/mailboxes/{lp}";
        await CreatedAsync(admin, $"/api/v1/domains/{domain}/aliases", new { localPart = "round", destinations = new[] { $"alpha@{domain}" } });

        // alpha → round → alpha, keeping no copy: alpha's mail would reach nobody.
        var viaAlias = await ProblemAsync(admin, HttpMethod.Patch, Mailbox("alpha"), new { forwardTo = new[] { $"round@{domain}" }, keepCopy = false }, HttpStatusCode.BadRequest);
        Assert.Equal([ForwardingRules.ReachesNobody], Errors(viaAlias, "forwardTo"));
        // With a copy the loop is harmless (the engine visits each address once): allowed.
        await OkAsync(admin, HttpMethod.Patch, Mailbox("alpha"), new { forwardTo = new[] { $"round@{domain}" }, keepCopy = true });
        // ...and switching the copy off afterwards, alone, is checked against the forwards it already has.
        Assert.Equal([ForwardingRules.ReachesNobody],
            Errors(await ProblemAsync(admin, HttpMethod.Patch, Mailbox("alpha"), new { keepCopy = false }, HttpStatusCode.BadRequest), "forwardTo"));

        // beta → gamma (forward-only) is fine while gamma keeps its mail; gamma → beta forward-only then closes a loop of nobody.
        await OkAsync(admin, HttpMethod.Patch, Mailbox("beta"), new { forwardTo = new[] { $"gamma@{domain}" }, keepCopy = false });
        Assert.Equal([ForwardingRules.ReachesNobody],
            Errors(await ProblemAsync(admin, HttpMethod.Patch, Mailbox("gamma"), new { forwardTo = new[] { $"beta@{domain}" }, keepCopy = false }, HttpStatusCode.BadRequest), "forwardTo"));
        // A loop that also reaches someone outside is not a black hole.
        await OkAsync(admin, HttpMethod.Patch, Mailbox("gamma"), new { forwardTo = new[] { $"beta@{domain}", "archive@elsewhere.example" }, keepCopy = false });

        // Through the catch-all: an unknown address of the domain lands in the catch-all, which points back.
        await OkAsync(admin, HttpMethod.Patch, Mailbox("alpha"), new { forwardTo = Array.Empty<string>() });
        await CreatedAsync(admin, $"/api/v1/domains/{domain}/aliases", new { localPart = "*", destinations = new[] { $"alpha@{domain}" } });
        Assert.Equal([ForwardingRules.ReachesNobody],
            Errors(await ProblemAsync(admin, HttpMethod.Patch, Mailbox("alpha"), new { forwardTo = new[] { $"nobody-here@{domain}" }, keepCopy = false }, HttpStatusCode.BadRequest), "forwardTo"));
    }

    [Fact]
    public async Task ResellerCustomerAndSupport_SetForwardingInTheirScope_AnotherTenantsMailboxIs404()
    {
        var body = new { forwardTo = new[] { "me@attacker.example" }, keepCopy = false };
        var victim = $"/api/v1/domains/{host.B.Domain}/mailboxes/{host.B.Mailbox}";
        foreach (var key in new[] { host.A.ResellerKey, host.A.CustomerKey })
        {
            using var attacker = host.Client(key);
            await ProblemAsync(attacker, HttpMethod.Patch, victim, body, HttpStatusCode.NotFound);
        }
        using (var admin = host.CreateAdminApiClient())
            Assert.Empty((await GetAsync(admin, victim))["forwardTo"]!.AsArray());

        // In scope: a customer for its own mailbox, support staff for anyone's; then back to no forwarding.
        var own = $"/api/v1/domains/{host.A.Domain}/mailboxes/{host.A.Mailbox}";
        using var customer = host.Client(host.A.CustomerKey);
        Assert.Equal(["copy@elsewhere.example"], StringList((await OkAsync(customer, HttpMethod.Patch, own, new { forwardTo = new[] { "copy@elsewhere.example" } }))["forwardTo"]!));
        using var support = host.Client(host.SupportKey);
        Assert.Empty((await OkAsync(support, HttpMethod.Patch, own, new { forwardTo = Array.Empty<string>() }))["forwardTo"]!.AsArray());
    }

    [Fact]
    public async Task MailboxOwnersKey_CannotPatchItsMailboxThroughTheApi_404()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await DomainWithMailboxesAsync(admin, "owner");
        var mailbox = await GetAsync(admin, $"/api/v1/domains/{domain}/mailboxes/owner");
        // The owner's portal login, as its first sign-in makes it; then an admin hands it a key.
        using (var scope = host.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanel.Data.HostingPanelDbContext>();
            var row = db.Mailboxes.IdsOf("owner", domain);
            var created = await scope.ServiceProvider.GetRequiredService<PortalUsers>()
                .CreateAsync($"owner@{domain}", "", Roles.MailboxUser, null, customerId: row.CustomerId, mailboxId: row.MailboxId);
            Assert.True(created.Succeeded);
        }
        var ownerKey = await ApiHostFixture.KeyForAsync(admin, $"owner@{domain}");
        using var owner = host.Client(ownerKey);
        await ProblemAsync(owner, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/owner", new { forwardTo = new[] { "out@elsewhere.example" } }, HttpStatusCode.NotFound);
        Assert.Empty((await GetAsync(admin, $"/api/v1/domains/{domain}/mailboxes/owner"))["forwardTo"]!.AsArray());
        Assert.Equal(mailbox["address"]!.GetValue<string>(), $"owner@{domain}");
    }
}

internal static class MailboxRowLookup
{
    public static (Guid CustomerId, Guid MailboxId) IdsOf(this Microsoft.EntityFrameworkCore.DbSet<HostingPanel.Data.Model.Mailbox> mailboxes, string localPart, string domain)
    {
        var m = Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.IgnoreQueryFilters(mailboxes)
            .Where(x => x.LocalPart == localPart && x.Domain!.Name == domain)
            .Select(x => new { x.Domain!.CustomerId, x.Id }).Single();
        return (m.CustomerId, m.Id);
    }
}
