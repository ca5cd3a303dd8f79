using HostingPanel.Application.Aliases;
using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Application.Resellers;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Model.Tests.Services;

/// <summary>The same rules on SQLite and on PostgreSQL, through the application services.</summary>
public sealed class TenancyAndLimitsTests
{
    public static TheoryData<Provider> Providers => new(Provider.Sqlite, Provider.PostgreSql);

    private static async Task<ResellerView> CreateResellerAsync(ServiceHarness h, string name, PoolLimitsInput pool, bool oversell = false)
    {
        await using var s = h.As(ServiceHarness.Admin);
        var r = await s.ServiceProvider.GetRequiredService<ResellerService>().CreateAsync(new CreateResellerInput
        {
            Name = name, Email = $"{name.ToLowerInvariant().Replace(' ', '-')}@resellers.example", Password = "reseller-password-1", Limits = pool, AllowOverselling = oversell,
        }, TestContext.Current.CancellationToken);
        Assert.True(r.Succeeded, r.Failure?.Message);
        return r.Value!;
    }

    private static async Task<ServiceResult<CustomerView>> CreateCustomerAsync(ServiceHarness h, Actor actor, string name, PlanLimitsInput plan, Guid? resellerId = null)
    {
        await using var s = h.As(actor);
        return await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
        {
            Name = name, Email = $"{name.ToLowerInvariant().Replace(' ', '-')}@customers.example", Password = "customer-password-1", Limits = plan, ResellerId = resellerId,
        }, TestContext.Current.CancellationToken);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Reseller_CannotExceedPool_AndIsToldWhatIsLeft(Provider provider)
    {
        await using var h = await ServiceHarness.StartAsync(provider);
        var reseller = await CreateResellerAsync(h, "Pool One", new PoolLimitsInput { MaxCustomers = 5, MaxDomains = 5, MaxMailboxes = 10, DiskQuotaMb = 1000 });
        var actor = ServiceHarness.ResellerActor(reseller.Id);

        var first = await CreateCustomerAsync(h, actor, "First", new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 6, DiskQuotaMb = 600 });
        Assert.True(first.Succeeded, first.Failure?.Message);
        var second = await CreateCustomerAsync(h, actor, "Second", new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 4, DiskQuotaMb = 401 });

        Assert.False(second.Succeeded);
        Assert.Equal(FailureKind.LimitExceeded, second.Failure!.Kind);
        Assert.Equal("The reseller's pool allows 1000 MB of disk; 600 MB are allocated, so 400 MB left and 401 MB requested.", second.Failure.Message);
        Assert.True((await CreateCustomerAsync(h, actor, "Third", new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 4, DiskQuotaMb = 400 })).Succeeded);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Overselling_TheEarlierSwitch_StillLetsAResellerGoPastItsPool_UpToTenTimes(Provider provider)
    {
        await using var h = await ServiceHarness.StartAsync(provider);
        var reseller = await CreateResellerAsync(h, "Seller", new PoolLimitsInput { MaxCustomers = 1, MaxDomains = 1, MaxMailboxes = 10, DiskQuotaMb = 1000 }, oversell: true);
        Assert.Equal(Reseller.MaxOversellPercent, reseller.OversellPercent);
        var big = await CreateCustomerAsync(h, ServiceHarness.ResellerActor(reseller.Id), "Big", new PlanLimitsInput { MaxDomains = 10, MaxMailboxes = 100, DiskQuotaMb = 10_000 });
        Assert.True(big.Succeeded, big.Failure?.Message);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Customer_CannotExceedPlan_CountOrQuotaSum(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var customer = (await CreateCustomerAsync(h, ServiceHarness.Admin, "Acme", new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 2, DiskQuotaMb = 300 })).Value!;
        var actor = ServiceHarness.CustomerActor(customer.Id);
        await using var s = h.As(actor);
        var domains = s.ServiceProvider.GetRequiredService<DomainService>();
        var mailboxes = s.ServiceProvider.GetRequiredService<MailboxService>();

        Assert.True((await domains.CreateAsync(new CreateDomainInput { Name = "acme.example" }, ct)).Succeeded);
        var secondDomain = await domains.CreateAsync(new CreateDomainInput { Name = "acme2.example" }, ct);
        Assert.Equal(FailureKind.LimitExceeded, secondDomain.Failure!.Kind);
        Assert.Equal("The plan allows 1 domains; 1 are in use, so 0 left and 1 requested.", secondDomain.Failure.Message);

        Assert.True((await mailboxes.CreateAsync("acme.example", new CreateMailboxInput { LocalPart = "adam", Password = "adam-password-1", QuotaMb = 200 }, ct)).Succeeded);
        var tooBig = await mailboxes.CreateAsync("acme.example", new CreateMailboxInput { LocalPart = "betty", Password = "betty-password-1", QuotaMb = 101 }, ct);
        Assert.Equal(FailureKind.LimitExceeded, tooBig.Failure!.Kind);
        Assert.Contains("100 MB left", tooBig.Failure.Errors["QuotaMb"][0]);
        Assert.True((await mailboxes.CreateAsync("acme.example", new CreateMailboxInput { LocalPart = "betty", Password = "betty-password-1", QuotaMb = 100 }, ct)).Succeeded);
        var third = await mailboxes.CreateAsync("acme.example", new CreateMailboxInput { LocalPart = "carl", Password = "carl-password-1", QuotaMb = 1 }, ct);
        Assert.Equal("The plan allows 2 mailboxes; 2 are in use, so 0 left and 1 requested.", third.Failure!.Message);

        var grow = await mailboxes.UpdateAsync("acme.example", "adam", new UpdateMailboxInput { QuotaMb = 201 }, ct);
        Assert.Equal(FailureKind.LimitExceeded, grow.Failure!.Kind);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ConcurrentCreations_RacingForTheLastMailbox_NeverExceedThePlan(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var customer = (await CreateCustomerAsync(h, ServiceHarness.Admin, "Racer", new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 3, DiskQuotaMb = 3000 })).Value!;
        var actor = ServiceHarness.CustomerActor(customer.Id);
        await using (var s = h.As(actor))
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "race.example" }, ct)).Succeeded);

        var attempts = Enumerable.Range(0, 8).Select(async i =>
        {
            await using var s = h.As(actor);
            return await s.ServiceProvider.GetRequiredService<MailboxService>()
                .CreateAsync("race.example", new CreateMailboxInput { LocalPart = $"user{i}", Password = "racer-password-1", QuotaMb = 10 }, ct);
        }).ToList();
        var results = await Task.WhenAll(attempts);

        await using var check = h.As(ServiceHarness.Admin);
        var db = check.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var stored = await db.Mailboxes.CountAsync(m => m.Domain!.Name == "race.example", ct);
        Assert.True(stored <= 3, $"{stored} mailboxes stored for a plan of 3");
        Assert.Equal(stored, results.Count(r => r.Succeeded));
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.Contains(r.Failure!.Kind, new[] { FailureKind.LimitExceeded, FailureKind.Conflict }));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Reseller_SeesOnlyItsOwnTenants(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var pool = new PoolLimitsInput { MaxCustomers = 5, MaxDomains = 5, MaxMailboxes = 5, DiskQuotaMb = 5000 };
        var one = await CreateResellerAsync(h, "One", pool);
        var two = await CreateResellerAsync(h, "Two", pool);
        var plan = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 2, DiskQuotaMb = 100 };
        var ones = (await CreateCustomerAsync(h, ServiceHarness.ResellerActor(one.Id), "Ones Customer", plan)).Value!;
        var twos = (await CreateCustomerAsync(h, ServiceHarness.ResellerActor(two.Id), "Twos Customer", plan)).Value!;
        await using (var s = h.As(ServiceHarness.CustomerActor(twos.Id)))
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "two.example" }, ct)).Succeeded);

        await using var asOne = h.As(ServiceHarness.ResellerActor(one.Id));
        var customers = asOne.ServiceProvider.GetRequiredService<CustomerService>();
        Assert.Equal([ones.Id], (await customers.ListAsync(new PageRequest(), ct: ct)).Items.Select(c => c.Id));
        Assert.Equal(FailureKind.NotFound, (await customers.GetAsync(twos.Id, ct)).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await customers.UpdateAsync(twos.Id, new UpdateCustomerInput { Enabled = false }, ct)).Failure!.Kind);
        var domains = asOne.ServiceProvider.GetRequiredService<DomainService>();
        Assert.Equal(FailureKind.NotFound, (await domains.GetAsync("two.example", ct)).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await domains.DeleteAsync("two.example", ct)).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await domains.CreateAsync(new CreateDomainInput { Name = "steal.example", CustomerId = twos.Id }, ct)).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await asOne.ServiceProvider.GetRequiredService<MailboxService>()
            .CreateAsync("two.example", new CreateMailboxInput { LocalPart = "x", Password = "password-1234", QuotaMb = 1 }, ct)).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await asOne.ServiceProvider.GetRequiredService<AliasService>()
            .CreateAsync("two.example", new CreateAliasInput { LocalPart = "x", Destinations = ["a@b.example"] }, ct)).Failure!.Kind);
        // The query filter holds even for a query that forgets to check the tenant.
        Assert.Equal(0, await asOne.ServiceProvider.GetRequiredService<HostingPanelDbContext>().Domains.CountAsync(ct));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task EveryChange_WritesItsOutboxRecordAndAuditEntryInTheSameTransaction(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var customer = (await CreateCustomerAsync(h, ServiceHarness.Admin, "Outboxed", new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 2, DiskQuotaMb = 100 })).Value!;
        await using var s = h.As(ServiceHarness.CustomerActor(customer.Id));
        Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "Bücher.example" }, ct)).Succeeded);
        var mailbox = await s.ServiceProvider.GetRequiredService<MailboxService>()
            .CreateAsync("bücher.example", new CreateMailboxInput { LocalPart = "Adam", Password = "adam-password-1", QuotaMb = 50 }, ct);
        Assert.Equal("adam@xn--bcher-kva.example", mailbox.Value!.Address);
        Assert.Equal(EntityStatus.Pending, mailbox.Value.Status);
        var alias = await s.ServiceProvider.GetRequiredService<AliasService>()
            .CreateAsync("xn--bcher-kva.example", new CreateAliasInput { LocalPart = "*", Destinations = ["adam@bücher.example", "ADAM@xn--bcher-kva.example"] }, ct);
        Assert.Equal(["adam@xn--bcher-kva.example"], alias.Value!.Destinations);

        await using var check = h.As(ServiceHarness.Admin);
        var db = check.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var outbox = await db.Outbox.OrderBy(o => o.Id).Select(o => new { o.EntityType, o.EntityKey }).ToListAsync(ct);
        Assert.Equal(
            [(OutboxEntityType.Domain, "xn--bcher-kva.example"), (OutboxEntityType.Mailbox, "adam@xn--bcher-kva.example"), (OutboxEntityType.Alias, "*@xn--bcher-kva.example")],
            outbox.Select(o => (o.EntityType, o.EntityKey)));
        var audit = await db.AuditEntries.OrderBy(a => a.Id).Select(a => a.Action).ToListAsync(ct);
        Assert.Equal(["customer.create", "domain.create", "mailbox.create", "alias.create"], audit);
        var hash = await db.Mailboxes.Select(m => m.PasswordHash).SingleAsync(ct);
        Assert.StartsWith("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$", hash);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Duplicates_AreConflicts_AcrossTenantsAndBetweenMailboxesAndAliases(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var plan = new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 2, DiskQuotaMb = 100 };
        var a = (await CreateCustomerAsync(h, ServiceHarness.Admin, "A", plan)).Value!;
        var b = (await CreateCustomerAsync(h, ServiceHarness.Admin, "B", plan)).Value!;
        await using (var s = h.As(ServiceHarness.CustomerActor(a.Id)))
        {
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "taken.example" }, ct)).Succeeded);
            Assert.True((await s.ServiceProvider.GetRequiredService<MailboxService>().CreateAsync("taken.example", new CreateMailboxInput { LocalPart = "info", Password = "info-password-1", QuotaMb = 10 }, ct)).Succeeded);
            var alias = await s.ServiceProvider.GetRequiredService<AliasService>().CreateAsync("taken.example", new CreateAliasInput { LocalPart = "INFO", Destinations = ["x@y.example"] }, ct);
            Assert.Equal(FailureKind.Conflict, alias.Failure!.Kind);
            Assert.Equal("info@taken.example already exists.", alias.Failure.Errors["LocalPart"][0]);
        }
        await using (var s = h.As(ServiceHarness.CustomerActor(b.Id)))
        {
            var dup = await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "TAKEN.example" }, ct);
            Assert.Equal(FailureKind.Conflict, dup.Failure!.Kind);
        }
    }
}
