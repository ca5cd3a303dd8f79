using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Application.Quotas;
using HostingPanel.Application.Resellers;
using HostingPanel.Data.Model;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Model.Tests.Services;

/// <summary>
/// Issue 19 item 7 through the application services, on SQLite and PostgreSQL: the quota a new mailbox is offered
/// (the plan's default size, or an equal share of what is left), a domain's own cap inside the plan, and a reseller's
/// overselling as a ratio of its pool.
/// </summary>
public sealed class QuotaRoomTests
{
    public static TheoryData<Provider> Providers => new(Provider.Sqlite, Provider.PostgreSql);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(1000, 4, 0, 250)]   // an equal share
    [InlineData(1000, 3, 0, 330)]   // 333 rounded down to two significant digits
    [InlineData(12_345, 1, 0, 12_000)]
    [InlineData(50, 100, 0, 1)]     // less than 1 MB each: still 1
    [InlineData(1000, 4, 2048, 1000)] // the default does not fit: what is left
    [InlineData(1000, 4, 100, 100)] // the default fits
    [InlineData(0, 4, 100, 0)]      // nothing left: nothing proposed
    [InlineData(1000, 0, 100, 0)]   // no mailbox left
    [InlineData(1000, 4, -1, 1000)] // unlimited: all that is left
    [InlineData(0, 4, -1, 0)]       // unlimited with nothing left: nothing
    [InlineData(1000, 0, -1, 0)]    // unlimited with no mailbox left: nothing
    public void Proposal_IsTheDefaultWhenItFits_ElseAnEqualShareOfWhatIsLeft(long leftMb, int mailboxesLeft, long defaultMb, long expected) =>
        Assert.Equal(expected, DomainQuotaRoom.Propose(leftMb, mailboxesLeft, defaultMb));

    [Theory, MemberData(nameof(Providers))]
    public async Task NewMailbox_IsOfferedAQuotaThatFits_TheDomainCapBinds_AndIsNeverExceeded(Provider provider)
    {
        await using var h = await ServiceHarness.StartAsync(provider);
        Guid customerId;
        await using (var s = h.As(ServiceHarness.Admin))
        {
            var created = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = "Room", Email = "room@customers.example", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 5, DiskQuotaMb = 1000 },
            }, Ct);
            Assert.True(created.Succeeded, created.Failure?.Message);
            customerId = created.Value!.Id;
        }
        var actor = ServiceHarness.CustomerActor(customerId);
        await using var scope = h.As(actor);
        var domains = scope.ServiceProvider.GetRequiredService<DomainService>();
        var mailboxes = scope.ServiceProvider.GetRequiredService<MailboxService>();
        var quotas = scope.ServiceProvider.GetRequiredService<DomainQuotaService>();
        Assert.True((await domains.CreateAsync(new CreateDomainInput { Name = "room.example" }, Ct)).Succeeded);
        Assert.True((await domains.CreateAsync(new CreateDomainInput { Name = "other-room.example" }, Ct)).Succeeded);

        // No default size: an equal share of the plan's 1000 MB among its 5 mailboxes.
        var room = (await quotas.GetAsync("room.example", Ct)).Value!;
        Assert.Equal((1000L, 5, 200L), (room.LeftMb, room.MailboxesLeft, room.ProposedQuotaMb));

        // The domain's own cap: 300 MB for room.example, inside the plan.
        var capped = await quotas.SetCapAsync("room.example", 300, Ct);
        Assert.True(capped.Succeeded, capped.Failure?.Message);
        Assert.Equal((300L, 300L, 60L), (capped.Value!.CapMb!.Value, capped.Value.LeftMb, capped.Value.ProposedQuotaMb));
        Assert.True((await mailboxes.CreateAsync("room.example", Mailbox("a", 200), Ct)).Succeeded);
        room = (await quotas.GetAsync("room.example", Ct)).Value!;
        Assert.Equal((100L, 4, 25L), (room.LeftMb, room.MailboxesLeft, room.ProposedQuotaMb));

        // Past the cap: refused on the quota field, with the numbers, though the plan has room.
        var refused = await mailboxes.CreateAsync("room.example", Mailbox("b", 101), Ct);
        Assert.Equal(FailureKind.LimitExceeded, refused.Failure!.Kind);
        Assert.Equal(["The domain's cap allows 300 MB of disk; 200 MB are allocated, so 100 MB left and 101 MB requested."], refused.Failure.Errors["QuotaMb"]);
        Assert.Equal(FailureKind.LimitExceeded, (await mailboxes.UpdateAsync("room.example", "a", new UpdateMailboxInput { QuotaMb = 301 }, Ct)).Failure!.Kind);
        Assert.True((await mailboxes.UpdateAsync("room.example", "a", new UpdateMailboxInput { QuotaMb = 300 }, Ct)).Succeeded);
        // The other domain is held only by the plan.
        Assert.True((await mailboxes.CreateAsync("other-room.example", Mailbox("c", 600), Ct)).Succeeded);
        // Shrinking a quota is always allowed, whatever the cap.
        Assert.True((await mailboxes.UpdateAsync("room.example", "a", new UpdateMailboxInput { QuotaMb = 250 }, Ct)).Succeeded);

        // A cap below what the mailboxes hold, above the plan, or below 1 MB is refused, and names its field.
        Assert.Equal(FailureKind.LimitExceeded, (await quotas.SetCapAsync("room.example", 249, Ct)).Failure!.Kind);
        Assert.Contains(DomainQuotaService.CapField, (await quotas.SetCapAsync("room.example", 1001, Ct)).Failure!.Errors.Keys);
        Assert.Contains(DomainQuotaService.CapField, (await quotas.SetCapAsync("room.example", 0, Ct)).Failure!.Errors.Keys);
        // Removing it: the plan's rest (1000 - 250 - 600) is what is left.
        room = (await quotas.SetCapAsync("room.example", null, Ct)).Value!;
        Assert.Null(room.CapMb);
        Assert.Equal((150L, 3, 50L), (room.LeftMb, room.MailboxesLeft, room.ProposedQuotaMb));

        // The plan's default size is proposed when it fits.
        await using (var s = h.As(ServiceHarness.Admin))
        {
            var customers = s.ServiceProvider.GetRequiredService<CustomerService>();
            Assert.True((await customers.UpdateAsync(customerId, new UpdateCustomerInput { DefaultMailboxQuotaMb = 100 }, Ct)).Succeeded);
            Assert.Equal(FailureKind.LimitExceeded, (await customers.UpdateAsync(customerId, new UpdateCustomerInput { DefaultMailboxQuotaMb = 1001 }, Ct)).Failure!.Kind);
            Assert.Equal(FailureKind.Validation, (await customers.UpdateAsync(customerId, new UpdateCustomerInput { DefaultMailboxQuotaMb = -2 }, Ct)).Failure!.Kind);
        }
        await using (var s = h.As(actor))
        {
            room = (await s.ServiceProvider.GetRequiredService<DomainQuotaService>().GetAsync("room.example", Ct)).Value!;
            Assert.Equal((100L, 100L), (room.DefaultMailboxQuotaMb, room.ProposedQuotaMb));
        }
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Overselling_IsARatio_PlansAddUpToThatShareOfThePool_AndNoFurther(Provider provider)
    {
        await using var h = await ServiceHarness.StartAsync(provider);
        ResellerView reseller;
        await using (var s = h.As(ServiceHarness.Admin))
        {
            var created = await s.ServiceProvider.GetRequiredService<ResellerService>().CreateAsync(new CreateResellerInput
            {
                Name = "Ratio", Email = "ratio@resellers.example", Password = "reseller-password-1", OversellPercent = 150,
                Limits = new PoolLimitsInput { MaxCustomers = 10, MaxDomains = 10, MaxMailboxes = 10, DiskQuotaMb = 1000 },
            }, Ct);
            Assert.True(created.Succeeded, created.Failure?.Message);
            reseller = created.Value!;
            Assert.Equal((150, true), (reseller.OversellPercent, reseller.AllowOverselling));
        }
        await using (var s = h.As(ServiceHarness.ResellerActor(reseller.Id)))
        {
            var customers = s.ServiceProvider.GetRequiredService<CustomerService>();
            async Task<ServiceResult<CustomerView>> Create(string name, long diskMb) => await customers.CreateAsync(new CreateCustomerInput
            {
                Name = name, Email = $"{name}@customers.example", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 1, DiskQuotaMb = diskMb },
            }, Ct);
            Assert.True((await Create("one", 1000)).Succeeded);
            Assert.True((await Create("two", 500)).Succeeded);
            var third = await Create("three", 1);
            Assert.Equal(FailureKind.LimitExceeded, third.Failure!.Kind);
            Assert.Equal("The reseller's pool at 150 % allows 1500 MB of disk; 1500 MB are allocated, so 0 MB left and 1 MB requested.", third.Failure.Message);
        }
        await using (var s = h.As(ServiceHarness.Admin))
        {
            var resellers = s.ServiceProvider.GetRequiredService<ResellerService>();
            // Below what the plans hold already: refused; the ratio stays.
            var lower = await resellers.UpdateAsync(reseller.Id, new UpdateResellerInput { OversellPercent = 120 }, Ct);
            Assert.Equal(FailureKind.LimitExceeded, lower.Failure!.Kind);
            Assert.Contains("OversellPercent", lower.Failure.Errors.Keys);
            Assert.Equal(150, (await resellers.GetAsync(reseller.Id, Ct)).Value!.OversellPercent);
            // Out of range: a field error.
            Assert.Equal(FailureKind.Validation, (await resellers.UpdateAsync(reseller.Id, new UpdateResellerInput { OversellPercent = 99 }, Ct)).Failure!.Kind);
            Assert.Equal(FailureKind.Validation, (await resellers.UpdateAsync(reseller.Id, new UpdateResellerInput { OversellPercent = 1001 }, Ct)).Failure!.Kind);
            // A larger pool and a lower ratio in one change: checked together.
            var both = await resellers.UpdateAsync(reseller.Id, new UpdateResellerInput
            {
                OversellPercent = 100, Limits = new PoolLimitsInput { MaxCustomers = 10, MaxDomains = 10, MaxMailboxes = 10, DiskQuotaMb = 1500 },
            }, Ct);
            Assert.True(both.Succeeded, both.Failure?.Message);
            Assert.Equal((100, false), (both.Value!.OversellPercent, both.Value.AllowOverselling));
        }
    }

    private static CreateMailboxInput Mailbox(string localPart, long quotaMb) =>
        new() { LocalPart = localPart, Password = "mailbox-password-1", QuotaMb = quotaMb };
}
