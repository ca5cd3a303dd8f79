using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>The worker's poll is an hour away here: only the wake-up sent when a change commits can apply it.</summary>
public sealed class NoPollingHostFixture : MailHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        base.ExtraSettings().Append(new("Provisioning:PollInterval", "01:00:00"));
}

/// <summary>
/// A new mailbox works at once because the commit wakes the worker, not because a poll comes round. The bound is
/// generous (a loaded CI machine must not flip it); what it proves is that no hour-long poll stood in between.
/// How fast it is in practice is measured by bench/Provisioning, not here.
/// </summary>
public sealed class WorkerWakeUpTests(NoPollingHostFixture host) : IClassFixture<NoPollingHostFixture>
{
    private const string Password = "mailbox-password-1";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NewMailbox_BecomesActive_AndAcceptsPop3Logins_WithoutWaitingForAPoll()
    {
        await using (var s = host.As())
        {
            var customer = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = "fast.example", Email = "owner@fast.example", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 2, DiskQuotaMb = 100 },
            }, Ct);
            Assert.True(customer.Succeeded, customer.Failure?.Message);
            var domain = await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "fast.example", CustomerId = customer.Value!.Id }, Ct);
            Assert.True(domain.Succeeded, domain.Failure?.Message);
            var created = await s.ServiceProvider.GetRequiredService<MailboxService>().CreateAsync("fast.example",
                new CreateMailboxInput { LocalPart = "adam", Password = Password, QuotaMb = 10 }, Ct);
            Assert.True(created.Succeeded, created.Failure?.Message);
            Assert.Equal(EntityStatus.Pending, created.Value!.Status);
        }

        await EventuallyAsync(Pop3LoginWorksAsync, "POP3 login of a new mailbox");
        await EventuallyAsync(async () => await StatusAsync() == EntityStatus.Active, "status active");
    }

    private async Task<bool> Pop3LoginWorksAsync()
    {
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        try
        {
            await pop.AuthenticateAsync("adam@fast.example", Password, Ct);
            return true;
        }
        catch (AuthenticationException)
        {
            return false;
        }
    }

    private async Task<EntityStatus> StatusAsync()
    {
        await using var s = host.As();
        var db = s.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        return await db.Mailboxes.IgnoreQueryFilters().Where(m => m.LocalPart == "adam" && m.Domain!.Name == "fast.example").Select(m => m.Status).SingleAsync(Ct);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < until)
        {
            if (await condition()) return;
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"{what} did not happen within {Bound.TotalSeconds} s although the worker was woken by the commit");
    }
}
