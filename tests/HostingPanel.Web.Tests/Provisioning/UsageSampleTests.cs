using System.Diagnostics;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Provisioning;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>
/// A sample at every full usage pass, and full passes only when a test asks (UsageInterval of an hour), so the
/// passes after deliveries can be told apart from full ones.
/// </summary>
public class SampledUsageHostFixture : MailHostFixture
{
    public SampledUsageHostFixture() { }

    protected SampledUsageHostFixture(TestProvider provider) : base(provider) { }

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Concat(
        [new("Provisioning:UsageInterval", "01:00:00"), new("Provisioning:SampleInterval", "00:00:00")]);
}

public sealed class PostgresSampledUsageHostFixture() : SampledUsageHostFixture(TestProvider.PostgreSql);

/// <summary>
/// The domain charts stay right with passes over changed mailboxes only: such a pass writes no sample (it
/// would hold a partial sum), and the next full pass samples the whole domain as the engine has it.
/// </summary>
public abstract class UsageSampleRules(MailHostFixture host)
{
    private const string Domain = "charts.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PassesAfterDeliveries_UpdateTheMailbox_WriteNoPartialSample_AndTheNextFullPassSamplesTheWholeDomain()
    {
        host.RequireAvailable();
        await using (var s = host.As())
        {
            var customer = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = "Charts", Email = $"owner@{Domain}", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 5, DiskQuotaMb = 100 },
            }, Ct);
            Assert.True(customer.Succeeded, customer.Failure?.Message);
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = Domain, CustomerId = customer.Value!.Id }, Ct)).Succeeded);
            foreach (var lp in new[] { "one", "two" })
                Assert.True((await s.ServiceProvider.GetRequiredService<MailboxService>()
                    .CreateAsync(Domain, new CreateMailboxInput { LocalPart = lp, Password = "mailbox-password-1", QuotaMb = 10 }, Ct)).Succeeded);
        }
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        await EventuallyAsync(async () => await directory.FindMailboxAsync($"two@{Domain}", Ct) is not null, "mailboxes in the engine");
        var one = (await directory.FindMailboxAsync($"one@{Domain}", Ct))!;
        var two = (await directory.FindMailboxAsync($"two@{Domain}", Ct))!;
        await DeliverAsync(one.Id, 2_000);
        await DeliverAsync(two.Id, 3_000);

        var sync = host.App.Services.GetRequiredService<UsageSync>();
        await sync.SyncAsync(Ct);
        var mark = sync.RecentPasses[^1].Number;
        var samplesBefore = await SamplesAsync();
        Assert.Equal(await EngineTotalsAsync(), (samplesBefore[^1].UsedBytes, samplesBefore[^1].MessageCount));

        await DeliverAsync(one.Id, 50_000);
        await EventuallyAsync(async () => (await UsageOfAsync("one")).MessageCount == 2, "the new message counted in the panel");
        Assert.Contains(sync.RecentPasses, p => p.Number > mark && !p.Full && p.Addresses.Contains($"one@{Domain}"));
        Assert.DoesNotContain(sync.RecentPasses, p => p.Number > mark && p.Full);
        Assert.Equal(samplesBefore.Count, (await SamplesAsync()).Count);

        await sync.SyncAsync(Ct);
        var samplesAfter = await SamplesAsync();
        Assert.Equal(samplesBefore.Count + 1, samplesAfter.Count);
        var totals = await EngineTotalsAsync();
        Assert.Equal(3, totals.Messages);
        Assert.Equal(totals, (samplesAfter[^1].UsedBytes, samplesAfter[^1].MessageCount));
        Assert.Equal(totals.Bytes, (await UsageOfAsync("one")).UsedBytes + (await UsageOfAsync("two")).UsedBytes);
    }

    private async Task<List<Data.Model.UsageSample>> SamplesAsync()
    {
        await using var s = host.As();
        var db = s.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var domainId = await db.Domains.Where(d => d.Name == Domain).Select(d => d.Id).SingleAsync(Ct);
        return await db.UsageSamples.Where(x => x.DomainId == domainId).OrderBy(x => x.Id).ToListAsync(Ct);
    }

    private async Task<(long Bytes, long Messages)> EngineTotalsAsync()
    {
        var usage = (await host.App.Services.GetRequiredService<IMailEngineAdmin>().GetUsageAsync(Ct)).Where(u => u.Address.EndsWith("@" + Domain, StringComparison.Ordinal)).ToList();
        return (usage.Sum(u => u.UsedBytes), usage.Sum(u => u.MessageCount));
    }

    private async Task<MailboxView> UsageOfAsync(string localPart)
    {
        await using var s = host.As();
        return (await s.ServiceProvider.GetRequiredService<MailboxService>().GetAsync(Domain, localPart, Ct)).Value!;
    }

    private Task DeliverAsync(long mailboxId, int bodyBytes) =>
        EngineDeliveries.DeliverAsync(host.App.Services, mailboxId, $"someone@{Domain}", "chart", bodyBytes, Ct);

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (await condition()) return;
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"{what} did not happen within 15 s");
    }
}

public sealed class UsageSampleTests(SampledUsageHostFixture host) : UsageSampleRules(host), IClassFixture<SampledUsageHostFixture>;

public sealed class PostgresUsageSampleTests(PostgresSampledUsageHostFixture host) : UsageSampleRules(host), IClassFixture<PostgresSampledUsageHostFixture>;
