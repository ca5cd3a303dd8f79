using System.Net;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Provisioning;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Provisioning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// Issue 19 item 6 through the API on the whole product: <c>GET .../usage-history</c> for a mailbox, a customer and a
/// reseller: the worker's full pass writes the hour's points, a quiet mailbox's chart starts from its last known value,
/// the year range reads daily points, a bad range is a field error, and another tenant's history does not exist.
/// </summary>
public sealed class ApiUsageHistoryTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string Password = "correct-horse-battery";

    private sealed record Tenant(string Domain, string CustomerId, string Key, string Mailbox, string Address);

    private async Task<Tenant> TenantAsync(string tag)
    {
        using var admin = host.CreateAdminApiClient();
        var run = Guid.NewGuid().ToString("N")[..6];
        var email = $"history-{tag}-{run}@customers.example";
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = $"History {tag}", email, password = Password,
            limits = new { maxDomains = 2, maxMailboxes = 5, diskQuotaMb = 1000 },
        });
        var domain = $"history-{tag}-{run}.example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        await CreatedAsync(admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "info", password = Password, quotaMb = 2 });
        return new Tenant(domain, customer["id"]!.GetValue<string>(), await ApiHostFixture.KeyForAsync(admin, email),
            $"/api/v1/domains/{domain}/mailboxes/info", "info@" + domain);
    }

    [Fact]
    public async Task TheWorkersPassWritesTheHour_AQuietMailboxStartsFromItsLastValue_OnlyInScope()
    {
        var a = await TenantAsync("a");
        var b = await TenantAsync("b");
        using var client = host.CreateClient(a.Key);
        using var other = host.CreateClient(b.Key);
        var account = await EngineAccountAsync(a.Address);
        await EngineDeliveries.DeliverAsync(host.App.Services, account.Id, a.Address, "first", 50_000, Ct);

        // A worker two hours ahead (a fresh process, so a new hour for it): its full pass writes the hour's points.
        var later = new ShiftedClock(TimeSpan.FromHours(2));
        var worker = new UsageSync(host.App.Services.GetRequiredService<IServiceScopeFactory>(),
            host.App.Services.GetRequiredService<IOptions<ProvisioningOptions>>(), later, NullLogger<UsageSync>.Instance,
            host.App.Services.GetRequiredService<HostingPanel.MailEngine.FrontDoor.IMailboxUsageFeed>());
        await worker.SyncAsync(Ct);

        var history = await GetAsync(client, a.Mailbox + "/usage-history");
        Assert.Equal("mailbox", history["subject"]!.GetValue<string>());
        Assert.Equal("week", history["range"]!.GetValue<string>());
        Assert.Equal("hour", history["resolution"]!.GetValue<string>());
        Assert.Equal(2L * 1024 * 1024, history["limitBytes"]!.GetValue<long>());
        var used = history["currentBytes"]!.GetValue<long>();
        Assert.True(used > 50_000, $"current use {used}");
        var hourPoint = history["points"]!.AsArray().Single(p => p!["at"]!.GetValue<DateTimeOffset>() == HourOf(later.GetUtcNow()));
        Assert.Equal(used, hourPoint!["usedBytes"]!.GetValue<long>());
        Assert.Equal(1, hourPoint["messageCount"]!.GetValue<long>());

        // The customer's chart sums its mailboxes for the same hour.
        var customer = await GetAsync(client, $"/api/v1/customers/{a.CustomerId}/usage-history");
        Assert.Equal("customer", customer["subject"]!.GetValue<string>());
        Assert.Contains(customer["points"]!.AsArray(), p => p!["at"]!.GetValue<DateTimeOffset>() == HourOf(later.GetUtcNow()) && p["usedBytes"]!.GetValue<long>() == used);
        Assert.Equal(1000L * 1024 * 1024, customer["limitBytes"]!.GetValue<long>());

        // A mailbox quiet for weeks: its hourly points were pruned, its last daily one (20 days ago) starts the week's chart.
        var mailboxId = await PanelMailboxIdAsync(a.Domain, "info");
        var twentyDaysAgo = UsageHistoryPoint.BucketOf(DateTimeOffset.UtcNow.AddDays(-20), UsageResolution.Day);
        await using (var scope = host.As())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            db.UsageHistory.Add(new UsageHistoryPoint(UsageSubject.Mailbox, mailboxId, UsageResolution.Day, twentyDaysAgo, 12_345, 3));
            await db.SaveChangesAsync(Ct);
        }
        var (_, quiet) = await ReadWithoutThePassAsync(client, a.Mailbox, later);
        var first = quiet["points"]!.AsArray()[0]!;
        Assert.Equal(quiet["from"]!.GetValue<DateTimeOffset>(), first["at"]!.GetValue<DateTimeOffset>());
        Assert.Equal(12_345, first["usedBytes"]!.GetValue<long>());
        var year = await GetAsync(client, a.Mailbox + "/usage-history?range=year");
        Assert.Equal("day", year["resolution"]!.GetValue<string>());
        Assert.Contains(year["points"]!.AsArray(), p => p!["at"]!.GetValue<DateTimeOffset>() == UsageHistoryPoint.StartOf(twentyDaysAgo, UsageResolution.Day)
            && p["usedBytes"]!.GetValue<long>() == 12_345);

        // A range that is neither week nor year is a field error, not a silent default.
        var (status, body, response) = await SendAsync(client, HttpMethod.Get, a.Mailbox + "/usage-history?range=decade");
        var problem = AssertProblem(response, body, HttpStatusCode.BadRequest);
        Assert.NotEmpty(Errors(problem, "range"));
        Assert.Equal(HttpStatusCode.BadRequest, status);

        // Another tenant: its mailbox and customer history do not exist for this key, nor does a reseller's.
        foreach (var path in new[] { $"/api/v1/domains/{b.Domain}/mailboxes/info/usage-history", $"/api/v1/customers/{b.CustomerId}/usage-history" })
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Get, path)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(other, HttpMethod.Get, a.Mailbox + "/usage-history?range=year")).Status);
    }

    /// <summary>Reads the week while hiding the worker's own points, so that only the seeded daily point can start the chart.</summary>
    private async Task<(long Hidden, System.Text.Json.Nodes.JsonNode Body)> ReadWithoutThePassAsync(HttpClient client, string mailbox, TimeProvider later)
    {
        var hour = UsageHistoryPoint.BucketOf(later.GetUtcNow(), UsageResolution.Hour);
        var mailboxId = await PanelMailboxIdAsync(mailbox.Split('/')[4], "info");
        await using var scope = host.As();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var hidden = await db.UsageHistory.Where(p => p.Subject == UsageSubject.Mailbox && p.SubjectId == mailboxId && p.Resolution == UsageResolution.Hour)
            .ExecuteDeleteAsync(Ct);
        Assert.True(hidden >= 1, $"the pass of hour {hour} wrote no hourly point");
        return (hidden, await GetAsync(client, mailbox + "/usage-history"));
    }

    private static DateTimeOffset HourOf(DateTimeOffset at) =>
        UsageHistoryPoint.StartOf(UsageHistoryPoint.BucketOf(at, UsageResolution.Hour), UsageResolution.Hour);

    private async Task<Guid> PanelMailboxIdAsync(string domain, string localPart)
    {
        await using var scope = host.As();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        return await db.Mailboxes.Where(m => m.LocalPart == localPart && m.Domain!.Name == domain).Select(m => m.Id).SingleAsync(Ct);
    }

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

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }
}
