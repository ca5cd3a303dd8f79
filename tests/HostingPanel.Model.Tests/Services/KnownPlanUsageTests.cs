using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Model.Tests.Services;

/// <summary>
/// Many creations in one scope (a bulk import) reuse the plan usage their own last creation left instead of counting the
/// customer's mailboxes again for each (issue 27 item 5): the figure must never let another scope's allocation through
/// unseen, and a deletion meanwhile must not make a line refused that fits.
/// </summary>
public sealed class KnownPlanUsageTests
{
    public static TheoryData<Provider> Providers => new(Provider.Sqlite, Provider.PostgreSql);

    private static CreateMailboxInput Mailbox(string localPart) => new() { LocalPart = localPart, Password = "known-usage-password-1", QuotaMb = 10 };

    private static async Task<Actor> CustomerWithDomainAsync(ServiceHarness h, int maxMailboxes)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var s = h.As(ServiceHarness.Admin);
        var customer = (await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
        {
            Name = "Known", Email = "known@customers.example", Password = "customer-password-1",
            Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = maxMailboxes, DiskQuotaMb = 1000 },
        }, ct)).Value!;
        var actor = ServiceHarness.CustomerActor(customer.Id);
        await using var asCustomer = h.As(actor);
        Assert.True((await asCustomer.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "known.example" }, ct)).Succeeded);
        return actor;
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task OneScope_CreatingUpToThePlan_RefusesTheOneTooMany(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var actor = await CustomerWithDomainAsync(h, maxMailboxes: 3);

        await using var s = h.As(actor);
        var mailboxes = s.ServiceProvider.GetRequiredService<MailboxService>();
        for (var i = 0; i < 3; i++)
            Assert.True((await mailboxes.CreateAsync("known.example", Mailbox($"u{i}"), ct)).Succeeded);
        Assert.Equal(FailureKind.LimitExceeded, (await mailboxes.CreateAsync("known.example", Mailbox("u3"), ct)).Failure!.Kind);
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task AnotherScopesCreationBetweenTwoOfMine_IsCounted(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var actor = await CustomerWithDomainAsync(h, maxMailboxes: 2);

        await using var mine = h.As(actor);
        var mailboxes = mine.ServiceProvider.GetRequiredService<MailboxService>();
        Assert.True((await mailboxes.CreateAsync("known.example", Mailbox("first"), ct)).Succeeded);
        await using (var other = h.As(actor))
            Assert.True((await other.ServiceProvider.GetRequiredService<MailboxService>().CreateAsync("known.example", Mailbox("theirs"), ct)).Succeeded);

        // Known usage after "first" says 1 of 2; the other scope's creation changed the allocation version, so it is counted: 2 of 2.
        Assert.Equal(FailureKind.LimitExceeded, (await mailboxes.CreateAsync("known.example", Mailbox("second"), ct)).Failure!.Kind);
        await using var check = h.As(ServiceHarness.Admin);
        Assert.Equal(2, await check.ServiceProvider.GetRequiredService<HostingPanelDbContext>().Mailboxes.CountAsync(m => m.Domain!.Name == "known.example", ct));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task ADeletionBetweenTwoOfMine_FreesThePlaceForTheNext(Provider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var h = await ServiceHarness.StartAsync(provider);
        var actor = await CustomerWithDomainAsync(h, maxMailboxes: 2);

        await using var mine = h.As(actor);
        var mailboxes = mine.ServiceProvider.GetRequiredService<MailboxService>();
        Assert.True((await mailboxes.CreateAsync("known.example", Mailbox("first"), ct)).Succeeded);
        Assert.True((await mailboxes.CreateAsync("known.example", Mailbox("second"), ct)).Succeeded);
        await using (var other = h.As(actor))
            Assert.True((await other.ServiceProvider.GetRequiredService<MailboxService>().DeleteAsync("known.example", "first", ct)).Succeeded);

        // Known usage says 2 of 2 (a deletion does not change the version): the refusal is checked against the count, 1 of 2.
        var third = await mailboxes.CreateAsync("known.example", Mailbox("third"), ct);
        Assert.True(third.Succeeded, third.Failure?.Message);
    }
}
