using System.Net;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>Issue 20.3: POST /api/v1/domains/{domain}/restore brings a deleted domain back with its mailboxes and aliases.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiDomainRestoreTests(ApiHostFixture host)
{
    [Fact]
    public async Task DeletedDomain_ComesBackWithTheMailboxesDeletedWithIt_NotThoseDeletedBefore_AndOnlyForItsOwners()
    {
        using var customer = host.Client(host.A.CustomerKey);
        var domain = Unique("restore") + ".example";
        await CreatedAsync(customer, "/api/v1/domains", new { name = domain });
        await CreatedAsync(customer, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "kept", password = ApiHostFixture.Password, quotaMb = 10 });
        await CreatedAsync(customer, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "gone", password = ApiHostFixture.Password, quotaMb = 10 });
        await CreatedAsync(customer, $"/api/v1/domains/{domain}/aliases", new { localPart = "team", destinations = new[] { $"kept@{domain}" } });
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(customer, HttpMethod.Delete, $"/api/v1/domains/{domain}/mailboxes/gone")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(customer, HttpMethod.Delete, $"/api/v1/domains/{domain}")).Status);
        await ProblemAsync(customer, HttpMethod.Get, $"/api/v1/domains/{domain}", null, HttpStatusCode.NotFound);

        // Another reseller's key, a sibling customer and support staff cannot restore it; a live domain is not "deleted".
        using (var other = host.Client(host.B.ResellerKey))
            await ProblemAsync(other, HttpMethod.Post, $"/api/v1/domains/{domain}/restore", null, HttpStatusCode.NotFound);
        using (var support = host.Client(host.SupportKey))
            await ProblemAsync(support, HttpMethod.Post, $"/api/v1/domains/{domain}/restore", null, HttpStatusCode.NotFound);
        await ProblemAsync(customer, HttpMethod.Post, $"/api/v1/domains/{host.A.Domain}/restore", null, HttpStatusCode.NotFound);

        var restored = await OkAsync(customer, HttpMethod.Post, $"/api/v1/domains/{domain}/restore");
        Assert.Equal(domain, restored["name"]!.GetValue<string>());
        await OkAsync(customer, HttpMethod.Get, $"/api/v1/domains/{domain}/mailboxes/kept");
        await OkAsync(customer, HttpMethod.Get, $"/api/v1/domains/{domain}/aliases/team");
        // Deleted on its own before the domain: stays deleted.
        await ProblemAsync(customer, HttpMethod.Get, $"/api/v1/domains/{domain}/mailboxes/gone", null, HttpStatusCode.NotFound);
        await ProblemAsync(customer, HttpMethod.Post, $"/api/v1/domains/{domain}/restore", null, HttpStatusCode.NotFound);
    }
}
