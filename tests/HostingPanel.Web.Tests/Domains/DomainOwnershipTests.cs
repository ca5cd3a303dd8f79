using System.Net;
using HostingPanel.Data;
using HostingPanel.Web.Tests.Portal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// Issue 16.1: a domain belongs to whoever proves it. Names others hold (and names above or below them), the operator's
/// reserved names and the server's own names are refused; a new domain is unverified until its TXT record is found.
/// </summary>
public sealed class DomainOwnershipTests(DomainHostFixture host) : IClassFixture<DomainHostFixture>
{
    [Theory]
    [InlineData("gmail.com", "reserved")]
    [InlineData("inbox.gmail.com", "reserved")]
    [InlineData("GMX.de", "reserved")]
    [InlineData("mail.gmx.net", "reserved")]
    [InlineData("proton.me", "reserved")]
    [InlineData("mail.test", "this server's own names")]
    [InlineData("imap.mail.test", "this server's own names")]
    public async Task ReservedAndOwnHostNames_AreRefused_ForEveryone_InApiAndPortalAlike(string name, string reason)
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("reserved");
        using var api = host.CreateClient(customer.Key);
        var problem = await ProblemAsync(api, HttpMethod.Post, "/api/v1/domains", new { name }, HttpStatusCode.BadRequest);
        var message = Assert.Single(Errors(problem, "name"));
        Assert.Contains(reason, message);

        // The admin is refused too: the list is the operator's, changed in configuration, not by a click.
        using var admin = host.CreateAdminApiClient();
        await ProblemAsync(admin, HttpMethod.Post, "/api/v1/domains", new { name, customerId = customer.Id }, HttpStatusCode.BadRequest);

        using var portal = await PortalSession.SignInAsync(host, customer.Email, DomainHostFixture.Password);
        var response = await portal.PostFormAsync("/domains/new", "/domains/new", new() { ["Name"] = name });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(message, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task AnotherTenantsName_ItsSubdomains_AndItsParents_AreRefused_OwnSubdomainsAreNot()
    {
        host.RequireDns();
        var holder = await host.CustomerAsync("holder");
        var rival = await host.CustomerAsync("rival");
        using var asHolder = host.CreateClient(holder.Key);
        using var asRival = host.CreateClient(rival.Key);
        var taken = Unique("corp") + ".example";
        var deep = "shop." + Unique("brand") + ".example";
        await CreatedAsync(asHolder, "/api/v1/domains", new { name = taken });
        await CreatedAsync(asHolder, "/api/v1/domains", new { name = deep });

        var same = await ProblemAsync(asRival, HttpMethod.Post, "/api/v1/domains", new { name = taken }, HttpStatusCode.Conflict);
        Assert.Equal($"The domain {taken} is already hosted here.", Assert.Single(Errors(same, "name")));
        var sub = await ProblemAsync(asRival, HttpMethod.Post, "/api/v1/domains", new { name = "mail." + taken }, HttpStatusCode.Conflict);
        Assert.Contains($"is a subdomain of {taken}, which another customer holds", Assert.Single(Errors(sub, "name")));
        var parent = deep[(deep.IndexOf('.') + 1)..];
        var above = await ProblemAsync(asRival, HttpMethod.Post, "/api/v1/domains", new { name = parent }, HttpStatusCode.Conflict);
        Assert.Contains($"is a parent of {deep}, which another customer holds", Assert.Single(Errors(above, "name")));

        // The portal says the same.
        using var portal = await PortalSession.SignInAsync(host, rival.Email, DomainHostFixture.Password);
        var response = await portal.PostFormAsync("/domains/new", "/domains/new", new() { ["Name"] = "mail." + taken });
        Assert.Contains(Assert.Single(Errors(sub, "name")), WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct)));

        // The holder itself may add names above and below its own.
        await CreatedAsync(asHolder, "/api/v1/domains", new { name = "mail." + taken });
        await CreatedAsync(asHolder, "/api/v1/domains", new { name = parent });
    }

    [Fact]
    public async Task CustomerId_OfAnotherTenant_InACustomersPost_Is404_NotIgnored()
    {
        host.RequireDns();
        var me = await host.CustomerAsync("me");
        var other = await host.CustomerAsync("other");
        using var api = host.CreateClient(me.Key);
        var name = Unique("mine") + ".example";
        await ProblemAsync(api, HttpMethod.Post, "/api/v1/domains", new { name, customerId = other.Id }, HttpStatusCode.NotFound);
        await ProblemAsync(host.CreateClient(other.Key), HttpMethod.Get, $"/api/v1/domains/{name}", null, HttpStatusCode.NotFound);
        // Its own id, or none, are fine.
        await CreatedAsync(api, "/api/v1/domains", new { name, customerId = me.Id });
    }

    [Fact]
    public async Task NewDomain_IsUnverified_UntilItsTxtRecordIsPublished_ThePostVerifyLooksUpNow()
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("verify");
        using var api = host.CreateClient(customer.Key);
        // A name the worker never sees verified by itself: the record is published only for the explicit check below.
        var name = Unique("proof") + ".example";
        var created = await CreatedAsync(api, "/api/v1/domains", new { name });
        Assert.False(created["verified"]!.GetValue<bool>());
        var record = created["verificationRecord"]!.AsObject();
        Assert.Equal($"_hostingpanel-verification.{name}.", record["name"]!.GetValue<string>());
        Assert.Equal("TXT", record["type"]!.GetValue<string>());
        var value = record["value"]!.GetValue<string>();
        Assert.StartsWith("hostingpanel-verification=", value);

        // Nothing published, then a wrong token (another domain's): still unverified.
        Assert.False((await OkAsync(api, HttpMethod.Post, $"/api/v1/domains/{name}/verify"))["verified"]!.GetValue<bool>());
        host.Dns.SetTxt(record["name"]!.GetValue<string>(), "hostingpanel-verification=someoneelsestoken");
        await host.Dns.PublishAsync();
        Assert.False((await OkAsync(api, HttpMethod.Post, $"/api/v1/domains/{name}/verify"))["verified"]!.GetValue<bool>());

        host.Dns.SetTxt(record["name"]!.GetValue<string>(), "v=something-else", value);
        await host.Dns.PublishAsync();
        var verified = await OkAsync(api, HttpMethod.Post, $"/api/v1/domains/{name}/verify");
        Assert.True(verified["verified"]!.GetValue<bool>());
        Assert.True((await DomainHostFixture.DomainAsync(api, name))["verified"]!.GetValue<bool>());

        // Withdrawing the record later does not take the domain away (verification is proof of control at one time).
        host.Dns.RemoveTxt(record["name"]!.GetValue<string>());
        await host.Dns.PublishAsync();
        Assert.True((await OkAsync(api, HttpMethod.Post, $"/api/v1/domains/{name}/verify"))["verified"]!.GetValue<bool>());

        await using var scope = host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(a => a.Action == "domain.verify" && a.EntityKey == name, Ct));
    }

    [Fact]
    public async Task TheWorker_FindsAPublishedRecord_ByItself()
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("worker");
        using var api = host.CreateClient(customer.Key);
        var name = Unique("later") + ".example";
        var created = await CreatedAsync(api, "/api/v1/domains", new { name });
        var record = created["verificationRecord"]!.AsObject();
        host.Dns.SetTxt(record["name"]!.GetValue<string>(), record["value"]!.GetValue<string>());
        await host.Dns.PublishAsync();
        await DomainHostFixture.EventuallyAsync(async () => (await DomainHostFixture.DomainAsync(api, name))["verified"]!.GetValue<bool>(),
            "the worker verifies the domain");
    }

    [Fact]
    public async Task AdminVerifiesByHand_Audited_NobodyElseCan()
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("byhand");
        using var api = host.CreateClient(customer.Key);
        var name = Unique("vouched") + ".example";
        await CreatedAsync(api, "/api/v1/domains", new { name });
        await ProblemAsync(api, HttpMethod.Post, $"/api/v1/domains/{name}/verify-by-hand", null, HttpStatusCode.NotFound);
        Assert.False((await DomainHostFixture.DomainAsync(api, name))["verified"]!.GetValue<bool>());

        using var admin = host.CreateAdminApiClient();
        Assert.True((await OkAsync(admin, HttpMethod.Post, $"/api/v1/domains/{name}/verify-by-hand"))["verified"]!.GetValue<bool>());
        await using var scope = host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(a => a.Action == "domain.verify" && a.EntityKey == name, Ct);
        Assert.Contains("by hand", entry.Detail);
    }

    [Fact]
    public async Task DomainPage_ShowsTheRecordAndStatus_CheckNowVerifies()
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("page");
        using var api = host.CreateClient(customer.Key);
        var name = Unique("page") + ".example";
        var record = (await CreatedAsync(api, "/api/v1/domains", new { name }))["verificationRecord"]!.AsObject();
        using var portal = await PortalSession.SignInAsync(host, customer.Email, DomainHostFixture.Password);
        var page = await portal.GetStringAsync($"/domains/{name}");
        Assert.Contains("not verified", page);
        Assert.Contains(record["value"]!.GetValue<string>(), page);
        Assert.Contains($"_hostingpanel-verification.{name}.", page);
        Assert.DoesNotContain("verify-by-hand", page);

        host.Dns.SetTxt(record["name"]!.GetValue<string>(), record["value"]!.GetValue<string>());
        await host.Dns.PublishAsync();
        var check = await portal.PostFormAsync($"/domains/{name}", $"/domains/{name}/verify", []);
        Assert.Equal(HttpStatusCode.Redirect, check.StatusCode);
        Assert.Contains(">verified</span>", await portal.GetStringAsync($"/domains/{name}"));
    }
}
