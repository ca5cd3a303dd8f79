using System.Net;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Infrastructure;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>The same seeded world on PostgreSQL (skips with the reason when HOSTINGPANEL_TEST_POSTGRES is not set).</summary>
public sealed class PostgresApiHostFixture() : ApiHostFixture(TestProvider.PostgreSql);

public sealed class ApiPostgresTests(PostgresApiHostFixture host) : IClassFixture<PostgresApiHostFixture>
{
    [Fact]
    public async Task ResellerFlow_PagingSearchLimitsAndTenancy_OnPostgres()
    {
        TestEnvironment.RequirePostgres();
        using var reseller = host.Client(host.A.ResellerKey);
        var domains = await GetAsync(reseller, "/api/v1/domains?search=" + Uri.EscapeDataString(host.A.Domain.ToUpperInvariant()));
        Assert.Equal(host.A.Domain, domains["items"]![0]!["name"]!.GetValue<string>());
        var customers = await GetAsync(reseller, "/api/v1/customers?search=CUSTOMER%20A&pageSize=1&page=2");
        Assert.Equal(2, customers["total"]!.GetValue<int>());
        Assert.Equal("Customer A2", customers["items"]![0]!["name"]!.GetValue<string>());

        var mailbox = await GetAsync(reseller, $"/api/v1/domains/{host.A.Domain}/mailboxes/{host.A.Mailbox}");
        Assert.Equal("pending", mailbox["status"]!.GetValue<string>());
        var limit = await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/domains/{host.A.SiblingDomain}/mailboxes",
            new { localPart = "huge", password = ApiHostFixture.Password, quotaMb = 5000 }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("The plan allows 1000 MB of disk; 0 MB are allocated, so 1000 MB left and 5000 MB requested.", Errors(limit, "quotaMb").Single());

        await ProblemAsync(reseller, HttpMethod.Get, $"/api/v1/domains/{host.B.Domain}/mailboxes/{host.B.Mailbox}", null, HttpStatusCode.NotFound);
        await ProblemAsync(reseller, HttpMethod.Patch, $"/api/v1/customers/{host.B.CustomerId}", new { enabled = false }, HttpStatusCode.NotFound);
        await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/domains", new { name = host.B.Domain, customerId = host.A.CustomerId }, HttpStatusCode.Conflict);

        var keys = await GetAsync(reseller, "/api/v1/apikeys?search=" + Uri.EscapeDataString(host.A.CustomerEmail.ToUpperInvariant()));
        Assert.Equal(1, keys["total"]!.GetValue<int>());

        var suspended = await OkAsync(reseller, HttpMethod.Patch, $"/api/v1/customers/{host.A.SiblingCustomerId}", new { enabled = false });
        Assert.Equal("suspended", suspended["status"]!.GetValue<string>());
    }
}
