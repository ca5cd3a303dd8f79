using System.Diagnostics;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Tests.Provisioning;

public sealed class FaultyEngineHostFixture : MailHostFixture
{
    public FaultyEngine Engine => App.Services.GetRequiredService<FaultyEngine>();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        base.ExtraSettings().Concat([new("Provisioning:InitialBackoff", "00:00:00.300"), new("Provisioning:MaxBackoff", "00:00:01")]);

    protected override void OverrideServices(IServiceCollection services)
    {
        services.AddSingleton(sp => new FaultyEngine(sp.GetRequiredService<MailEngine.Admin.MailEngineAdmin>()));
        services.Replace(ServiceDescriptor.Singleton<IMailEngineAdmin>(sp => sp.GetRequiredService<FaultyEngine>()));
    }
}

/// <summary>Engine errors: the entity shows failed with the reason, is retried with backoff, and ends active.</summary>
public sealed class WorkerFaultTests(FaultyEngineHostFixture host) : IClassFixture<FaultyEngineHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EngineErrors_MarkTheMailboxFailedWithTheReason_ThenBackoffRetriesMakeItActive()
    {
        await using (var s = host.As())
        {
            var c = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = "Flaky", Email = "owner@flaky.example", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 5, DiskQuotaMb = 100 },
            }, Ct);
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "flaky.example", CustomerId = c.Value!.Id }, Ct)).Succeeded);
        }
        host.Engine.FailNext("adam@flaky.example", 3);
        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<MailboxService>()
                .CreateAsync("flaky.example", new CreateMailboxInput { LocalPart = "adam", Password = "adam-password-1", QuotaMb = 10 }, Ct)).Succeeded);

        var sawFailed = false;
        string? detail = null;
        var sw = Stopwatch.StartNew();
        EntityStatus status = EntityStatus.Pending;
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            await using var s = host.As();
            var m = (await s.ServiceProvider.GetRequiredService<MailboxService>().GetAsync("flaky.example", "adam", Ct)).Value!;
            status = m.Status;
            if (status == EntityStatus.Failed) { sawFailed = true; detail = m.StatusDetail; }
            if (status == EntityStatus.Active) break;
            await Task.Delay(20, Ct);
        }
        Assert.True(sawFailed, "the failure was never visible");
        Assert.Contains("injected fault", detail);
        Assert.Equal(EntityStatus.Active, status);
        Assert.Equal(4, host.Engine.CallsFor["adam@flaky.example"]); // three failures, one success, nothing more

        await using var check = host.As();
        var record = await check.ServiceProvider.GetRequiredService<HostingPanelDbContext>().Outbox
            .Where(o => o.EntityKey == "adam@flaky.example").SingleAsync(Ct);
        Assert.NotNull(record.ProcessedAt);
        Assert.Equal(3, record.Attempts);
    }

    /// <summary>
    /// Regression (issue 20.3): a domain deleted while the worker was applying its creation came back as active (the
    /// worker saved the status it had read before the engine call over the deletion) and was provisioned again.
    /// </summary>
    [Fact]
    public async Task ADomainDeletedWhileTheWorkerAppliesIt_StaysDeleted()
    {
        const string domain = "deleted-meanwhile.example";
        var deleted = 0;
        string? problem = null;
        // The worker's thread has no test context: the token is taken here.
        var ct = Ct;
        host.Engine.WhileEnsuringDomain = async spec =>
        {
            if (spec.Name != domain || Interlocked.Exchange(ref deleted, 1) == 1) return;
            try
            {
                await using var other = host.As();
                var result = await other.ServiceProvider.GetRequiredService<DomainService>().DeleteAsync(domain, ct);
                if (!result.Succeeded) problem = result.Failure!.Message;
            }
            catch (Exception e) { problem = e.ToString(); }
        };
        try
        {
            await using (var s = host.As())
            {
                var c = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
                {
                    Name = "Hasty", Email = "owner@deleted-meanwhile-customers.example", Password = "customer-password-1",
                    Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 1, DiskQuotaMb = 100 },
                }, Ct);
                Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = domain, CustomerId = c.Value!.Id }, Ct)).Succeeded);
            }
            // Every record of the domain processed (the creation, then the deletion made during its engine call).
            var sw = Stopwatch.StartNew();
            while (true)
            {
                await using var s = host.As();
                var db = s.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
                var records = await db.Outbox.Where(o => o.EntityKey == domain).ToListAsync(Ct);
                if (deleted == 1 && records.Count == 2 && records.All(r => r.ProcessedAt is not null)) break;
                Assert.True(problem is null, $"the deletion during the engine call failed: {problem}");
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"the domain's records were not processed: {records.Count} records, deleted {deleted}");
                await Task.Delay(20, Ct);
            }
            await using (var s = host.As())
            {
                var row = await s.ServiceProvider.GetRequiredService<HostingPanelDbContext>().Domains.IgnoreQueryFilters().SingleAsync(d => d.Name == domain, Ct);
                Assert.Equal(EntityStatus.Deleting, row.Status);
                Assert.NotNull(row.DeletedAt);
                Assert.False(await s.ServiceProvider.GetRequiredService<MailEngine.Directory.MailDirectory>().IsHostedDomainAsync(domain, Ct));
            }
        }
        finally
        {
            host.Engine.WhileEnsuringDomain = null;
        }
    }

    [Fact]
    public async Task RetryFromTheServices_QueuesTheEntityAgain()
    {
        await using (var s = host.As())
        {
            var c = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = "Retry", Email = "owner@retry.example", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 5, DiskQuotaMb = 100 },
            }, Ct);
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "retry.example", CustomerId = c.Value!.Id }, Ct)).Succeeded);
            Assert.True((await s.ServiceProvider.GetRequiredService<MailboxService>()
                .CreateAsync("retry.example", new CreateMailboxInput { LocalPart = "bob", Password = "bob-password-12", QuotaMb = 10 }, Ct)).Succeeded);
        }
        var sw = Stopwatch.StartNew();
        while (!host.Engine.CallsFor.ContainsKey("bob@retry.example") && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20, Ct);
        var before = host.Engine.CallsFor["bob@retry.example"];

        await using (var s = host.As())
        {
            var retried = await s.ServiceProvider.GetRequiredService<MailboxService>().RetryAsync("retry.example", "bob", Ct);
            Assert.Equal(EntityStatus.Pending, retried.Value!.Status);
        }
        sw.Restart();
        while (host.Engine.CallsFor["bob@retry.example"] == before && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20, Ct);
        Assert.Equal(before + 1, host.Engine.CallsFor["bob@retry.example"]);
    }
}
