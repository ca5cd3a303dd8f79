using System.Net;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Provisioning;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// Issue 19 item 4 through the API on the whole product: <c>GET .../mailboxes/{localPart}/activity</c> (last login per
/// way in, what POP3 left on the server and for how long, the advice) and <c>GET /api/v1/reports/pop3-keepers</c>,
/// each only in the caller's scope, and the one-call fix (<c>pop3RetentionDays</c>) that ends the advice.
/// </summary>
public sealed class ApiMailboxActivityTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string Password = "correct-horse-battery";

    private sealed record Tenant(string Domain, string Key, string Mailbox, string Address);

    private async Task<Tenant> TenantAsync(string tag)
    {
        using var admin = host.CreateAdminApiClient();
        var run = Guid.NewGuid().ToString("N")[..6];
        var email = $"activity-{tag}-{run}@customers.example";
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = $"Activity {tag}", email, password = Password,
            limits = new { maxDomains = 2, maxMailboxes = 5, diskQuotaMb = 1000 },
        });
        var domain = $"activity-{tag}-{run}.example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        await CreatedAsync(admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "info", password = Password, quotaMb = 1 });
        return new Tenant(domain, await ApiHostFixture.KeyForAsync(admin, email), $"/api/v1/domains/{domain}/mailboxes/info", "info@" + domain);
    }

    private static List<string> Addresses(System.Text.Json.Nodes.JsonNode report) =>
        report["items"]!.AsArray().Select(i => i!["address"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task Pop3ThatNeverDeletes_IsShownWithAdviceAndInTheReport_OnlyInScope_AndTheFixEndsIt()
    {
        var a = await TenantAsync("a");
        var b = await TenantAsync("b");
        using var client = host.CreateClient(a.Key);
        using var other = host.CreateClient(b.Key);
        using var admin = host.CreateAdminApiClient();
        var account = await EngineAccountAsync(a.Address);
        await EngineDeliveries.DeliverAsync(host.App.Services, account.Id, a.Address, "first", 40_000, Ct);
        await EngineDeliveries.DeliverAsync(host.App.Services, account.Id, a.Address, "second", 60_000, Ct);

        // Nothing downloaded yet: no POP3 login, nothing kept, no advice.
        var activity = await GetAsync(client, a.Mailbox + "/activity");
        Assert.Null(activity["lastLogins"]!["pop3"]);
        Assert.Equal(0, activity["pop3Kept"]!["messages"]!.GetValue<long>());
        Assert.Null(activity["advice"]);

        // A POP3 program in "leave a copy on the server" mode.
        await Pop3Downloads.DownloadAsync(host.Port("pop3"), a.Address, Password, delete: 0, Ct);
        activity = await GetAsync(client, a.Mailbox + "/activity");
        Assert.NotNull(activity["lastLogins"]!["pop3"]);
        Assert.Null(activity["lastLogins"]!["imap"]);
        Assert.Equal(2, activity["pop3Kept"]!["messages"]!.GetValue<long>());
        Assert.True(activity["pop3Kept"]!["bytes"]!.GetValue<long>() > 100_000);
        Assert.Equal(0, activity["pop3Kept"]!["keptForDays"]!.GetValue<int>());
        // Kept for less than a week: a program set to "remove after 7 days" may still delete it.
        Assert.Null(activity["advice"]);
        Assert.DoesNotContain(a.Address, Addresses(await GetAsync(client, "/api/v1/reports/pop3-keepers")));

        // Ten days on, still there: the mailbox grows only by what the program downloads.
        await Pop3Downloads.FirstDownloadedDaysAgoAsync(host.App.Services, a.Address, 10, Ct);
        activity = await GetAsync(client, a.Mailbox + "/activity");
        Assert.Equal(10, activity["pop3Kept"]!["keptForDays"]!.GetValue<int>());
        var advice = activity["advice"]!;
        Assert.Equal(30, advice["suggestedRetentionDays"]!.GetValue<int>());
        Assert.InRange(advice["bytesPerDay"]!.GetValue<long>(), 10_000, 12_000);
        var fullAt = advice["projectedFullAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(fullAt, DateTimeOffset.UtcNow.AddDays(60), DateTimeOffset.UtcNow.AddDays(110));

        var report = await GetAsync(client, "/api/v1/reports/pop3-keepers");
        var line = report["items"]!.AsArray().Single(i => i!["address"]!.GetValue<string>() == a.Address)!;
        Assert.Equal(("info", a.Domain, 2L), (line["localPart"]!.GetValue<string>(), line["domain"]!.GetValue<string>(), line["keptMessages"]!.GetValue<long>()));
        Assert.Equal(fullAt.Date, line["projectedFullAt"]!.GetValue<DateTimeOffset>().Date);
        Assert.Contains(a.Address, Addresses(await GetAsync(admin, "/api/v1/reports/pop3-keepers")));

        // Another customer: the mailbox, its activity and its line in the report do not exist.
        Assert.DoesNotContain(a.Address, Addresses(await GetAsync(other, "/api/v1/reports/pop3-keepers")));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(other, HttpMethod.Get, a.Mailbox + "/activity")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(other, HttpMethod.Patch, a.Mailbox, new { pop3RetentionDays = 30 })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Get, $"/api/v1/domains/{a.Domain}/mailboxes/nobody/activity")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Get, $"/api/v1/domains/{b.Domain}/mailboxes/info/activity")).Status);

        // The fix, validated like every mailbox change, then applied: the advice and the report line are gone.
        foreach (var bad in new object[] { -1, 100_000, "thirty" })
            Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(client, HttpMethod.Patch, a.Mailbox, new { pop3RetentionDays = bad })).Status);
        await OkAsync(client, HttpMethod.Patch, a.Mailbox, new { pop3RetentionDays = 30 });
        await EventuallyAsync(async () => (await GetAsync(client, a.Mailbox + "/activity"))["advice"] is null, "the advice ends once the engine has the retention");
        Assert.Equal(30, (await GetAsync(client, a.Mailbox + "/activity"))["pop3RetentionDays"]!.GetValue<int>());
        Assert.DoesNotContain(a.Address, Addresses(await GetAsync(client, "/api/v1/reports/pop3-keepers")));
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(100, Ct);
        }
    }

    /// <summary>The mailbox once the worker has put it into the engine.</summary>
    private async Task<HostingPanel.MailEngine.Storage.MailboxAccount> EngineAccountAsync(string address)
    {
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await directory.FindMailboxAsync(address, Ct) is { } account) return account;
            Assert.True(DateTime.UtcNow < deadline, $"{address} never reached the engine");
            await Task.Delay(100, Ct);
        }
    }
}
