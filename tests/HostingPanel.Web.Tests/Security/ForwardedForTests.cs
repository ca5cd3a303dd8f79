using HostingPanel.Data;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Security;

/// <summary>Issue 10 item 7: X-Forwarded-For is believed only from the proxies in Http:KnownProxies (none by default).</summary>
[Collection(SecurityCollection.Name)]
public sealed class ForwardedForTests(MatrixWorld world)
{
    [Fact]
    public async Task ForwardedFor_FromAnUntrustedPeer_DoesNotChangeTheAuditedAddress()
    {
        var local = await CreateAliasWithForwardedForAsync(world, world.A.Domain, world.A.MailboxAddress, "203.0.113.7");
        Assert.Equal("127.0.0.1", await AuditedAddressAsync(world, local));
    }

    internal static async Task<string> CreateAliasWithForwardedForAsync(PanelHostFixture host, string domain, string destination, string forwardedFor)
    {
        var local = "xff" + Guid.NewGuid().ToString("N")[..8];
        using var admin = host.CreateAdminApiClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/domains/{domain}/aliases")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { localPart = local, destinations = new[] { destination } }),
        };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await admin.SendAsync(request, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return local;
    }

    internal static async Task<string?> AuditedAddressAsync(PanelHostFixture host, string entityKeyPart)
    {
        using var scope = host.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var entry = await db.AuditEntries.IgnoreQueryFilters().Where(a => a.EntityKey.Contains(entityKeyPart)).SingleAsync(Ct);
        return entry.RemoteAddress;
    }
}

/// <summary>A host behind a reverse proxy on loopback (Http:KnownProxies=127.0.0.1/32): the proxy's X-Forwarded-For names the client.</summary>
public sealed class TrustedProxyHostFixture : PanelHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        [new("Roles", "Portal"), new("Http:KnownProxies", "10.9.8.7, 127.0.0.0/8")];
}

public sealed class TrustedProxyTests(TrustedProxyHostFixture host) : IClassFixture<TrustedProxyHostFixture>
{
    [Fact]
    public async Task ForwardedFor_FromAConfiguredProxy_IsTheAuditedAddress_AndGarbageIsIgnored()
    {
        var domain = $"xff{Guid.NewGuid().ToString("N")[..8]}.example";
        using var admin = host.CreateAdminApiClient();
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Proxied", email = $"c@{domain}", password = MatrixWorld.Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 },
        });
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });

        var trusted = await ForwardedForTests.CreateAliasWithForwardedForAsync(host, domain, $"someone@{domain}", "203.0.113.7");
        Assert.Equal("203.0.113.7", await ForwardedForTests.AuditedAddressAsync(host, trusted));

        // Not an address: the middleware keeps the peer's, and nothing of the header reaches the log.
        var garbage = await ForwardedForTests.CreateAliasWithForwardedForAsync(host, domain, $"someone@{domain}", "<script>alert(1)</script>");
        Assert.Equal("127.0.0.1", await ForwardedForTests.AuditedAddressAsync(host, garbage));
    }

    [Fact]
    public void KnownProxies_ThatAreNotAddresses_StopTheStartWithAClearMessage()
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Http:KnownProxies", "10.0.0.1, proxy.example")]).Build();
        var problem = Assert.Throws<HostingPanel.Web.Hosting.StartupProblem>(() => HostingPanel.Web.Hosting.TrustedProxies.Read(config));
        Assert.Contains("proxy.example", problem.Message);
    }
}
