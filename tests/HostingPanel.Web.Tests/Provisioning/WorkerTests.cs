using System.Diagnostics;
using HostingPanel.Application.Aliases;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Provisioning;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>The worker in the real process: desired state in the panel becomes the engine's state, and usage comes back.</summary>
public sealed class WorkerTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string Password = "mailbox-password-1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<CustomerView> CustomerWithDomainAsync(string domain, long diskMb = 1000)
    {
        await using var s = host.As();
        var customer = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
        {
            Name = domain, Email = $"owner@{domain}", Password = "customer-password-1",
            Limits = new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 10, DiskQuotaMb = diskMb },
        }, Ct);
        Assert.True(customer.Succeeded, customer.Failure?.Message);
        var d = await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = domain, CustomerId = customer.Value!.Id }, Ct);
        Assert.True(d.Succeeded, d.Failure?.Message);
        return customer.Value;
    }

    private async Task<MailboxView> CreateMailboxAsync(string domain, string localPart, long quotaMb = 10)
    {
        await using var s = host.As();
        var m = await s.ServiceProvider.GetRequiredService<MailboxService>()
            .CreateAsync(domain, new CreateMailboxInput { LocalPart = localPart, Password = Password, QuotaMb = quotaMb }, Ct);
        Assert.True(m.Succeeded, m.Failure?.Message);
        return m.Value!;
    }

    private async Task<bool> Pop3LoginWorksAsync(string address)
    {
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        try { await pop.AuthenticateAsync(address, Password, Ct); return true; }
        catch (AuthenticationException) { return false; }
        // Accepted a moment before the suspension reached the engine, then ended by it (the credential change closes
        // open sessions) while MailKit was still asking STAT: the login does not work, which is what is being waited for.
        catch (Exception e) when (e is IOException or MailKit.Net.Pop3.Pop3ProtocolException or MailKit.Net.Pop3.Pop3CommandException or MailKit.ServiceNotConnectedException) { return false; }
    }

    private async Task<EntityStatus> MailboxStatusAsync(string address)
    {
        await using var s = host.As();
        var db = s.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var (lp, domain) = (address[..address.IndexOf('@')], address[(address.IndexOf('@') + 1)..]);
        return await db.Mailboxes.IgnoreQueryFilters().Where(m => m.LocalPart == lp && m.Domain!.Name == domain).Select(m => m.Status).SingleAsync(Ct);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (await condition()) return;
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s");
    }

    [Fact]
    public async Task SuspendingTheCustomer_RefusesLoginsOfEveryMailboxUnderIt_AndEnablingRestoresThem()
    {
        var customer = await CustomerWithDomainAsync("suspend.example");
        await CreateMailboxAsync("suspend.example", "one");
        await EventuallyAsync(() => Pop3LoginWorksAsync("one@suspend.example"), TimeSpan.FromSeconds(30), "login before suspension");

        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<CustomerService>().UpdateAsync(customer.Id, new UpdateCustomerInput { Enabled = false }, Ct)).Succeeded);
        await EventuallyAsync(async () => !await Pop3LoginWorksAsync("one@suspend.example"), TimeSpan.FromSeconds(30), "login refused after suspension");
        // The worker writes the engine first and the panel's status after it: the login can be refused a moment before.
        await EventuallyAsync(async () => await MailboxStatusAsync("one@suspend.example") == EntityStatus.Suspended, TimeSpan.FromSeconds(30), "status Suspended in the panel");
        var resolution = await host.App.Services.GetRequiredService<MailDirectory>().ResolveRecipientAsync("one@suspend.example", Ct);
        Assert.Equal(RecipientStatus.Disabled, resolution.Status);

        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<CustomerService>().UpdateAsync(customer.Id, new UpdateCustomerInput { Enabled = true }, Ct)).Succeeded);
        await EventuallyAsync(() => Pop3LoginWorksAsync("one@suspend.example"), TimeSpan.FromSeconds(30), "login after re-enabling");
    }

    [Fact]
    public async Task DeletedMailbox_RefusesLoginsAtOnce_KeepsItsMail_AndCanBeRestored()
    {
        await CustomerWithDomainAsync("delete.example");
        await CreateMailboxAsync("delete.example", "gone");
        await EventuallyAsync(() => Pop3LoginWorksAsync("gone@delete.example"), TimeSpan.FromSeconds(30), "login before delete");
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        var account = (await directory.FindMailboxAsync("gone@delete.example", Ct))!;
        await DeliverAsync(account.Id, "kept for the grace period");

        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<MailboxService>().DeleteAsync("delete.example", "gone", Ct)).Succeeded);
        await EventuallyAsync(async () => !await Pop3LoginWorksAsync("gone@delete.example"), TimeSpan.FromSeconds(30), "login refused after delete");
        // Refused at RCPT (550) from now on, though the mail is kept for the grace period.
        Assert.Contains((await directory.ResolveRecipientAsync("gone@delete.example", Ct)).Status, new[] { RecipientStatus.Disabled, RecipientStatus.Unknown });

        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<MailboxService>().RestoreAsync("delete.example", "gone", Ct)).Succeeded);
        await EventuallyAsync(() => Pop3LoginWorksAsync("gone@delete.example"), TimeSpan.FromSeconds(30), "login after restore");
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        await pop.AuthenticateAsync("gone@delete.example", Password, Ct);
        Assert.Equal("kept for the grace period", (await pop.GetMessageAsync(0, Ct)).Subject);
    }

    [Fact]
    public async Task Usage_ReachesThePanel_SoonAfterDeliveries_AndQuotaWarningsArriveOncePerCrossing()
    {
        await CustomerWithDomainAsync("usage.example");
        await CreateMailboxAsync("usage.example", "full", quotaMb: 1);
        await EventuallyAsync(() => Pop3LoginWorksAsync("full@usage.example"), TimeSpan.FromSeconds(30), "mailbox active");
        var account = (await host.App.Services.GetRequiredService<MailDirectory>().FindMailboxAsync("full@usage.example", Ct))!;

        await DeliverAsync(account.Id, "big one", bodyBytes: 870 * 1024); // about 85 % of 1 MiB
        await EventuallyAsync(async () =>
        {
            await using var s = host.As();
            var m = await s.ServiceProvider.GetRequiredService<MailboxService>().GetAsync("usage.example", "full", Ct);
            return m.Value!.UsedBytes > 870 * 1024 && m.Value.MessageCount >= 1;
        }, TimeSpan.FromSeconds(30), "usage in the panel");

        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        await pop.AuthenticateAsync("full@usage.example", Password, Ct);
        var subjects = new List<string>();
        for (var i = 0; i < pop.Count; i++) subjects.Add((await pop.GetMessageAsync(i, Ct)).Subject ?? "");
        Assert.Single(subjects, s => s == "Your mailbox is 80% full");
        await pop.DisconnectAsync(true, Ct);

        await host.App.Services.GetRequiredService<UsageSync>().SyncAsync(Ct);
        await using var check = host.As();
        var warnings = await check.ServiceProvider.GetRequiredService<HostingPanelDbContext>().AuditEntries
            .CountAsync(a => a.Action == "mailbox.quota-warning" && a.EntityKey == "full@usage.example", Ct);
        Assert.Equal(1, warnings);
    }

    [Fact]
    public async Task Deliveries_SyncOnlyTheMailboxThatChanged_AndQuotaWarningsStillArriveOncePerCrossing()
    {
        await CustomerWithDomainAsync("incremental.example");
        await CreateMailboxAsync("incremental.example", "busy", quotaMb: 1);
        await CreateMailboxAsync("incremental.example", "quiet");
        await EventuallyAsync(() => Pop3LoginWorksAsync("busy@incremental.example"), TimeSpan.FromSeconds(30), "mailbox active");
        var sync = host.App.Services.GetRequiredService<UsageSync>();
        await sync.SyncAsync(Ct);
        var quietBefore = await UsageOfAsync("quiet");
        Assert.NotNull(quietBefore.UsageUpdatedAt);
        var mark = sync.RecentPasses[^1].Number;
        var busy = (await host.App.Services.GetRequiredService<MailDirectory>().FindMailboxAsync("busy@incremental.example", Ct))!;

        await DeliverAsync(busy.Id, "big one", bodyBytes: 870 * 1024); // about 85 % of 1 MiB
        await EventuallyAsync(async () => (await UsageOfAsync("busy")).UsedBytes > 870 * 1024, TimeSpan.FromSeconds(30), "usage in the panel");
        await EventuallyAsync(async () => await QuotaWarningsAsync() == 1, TimeSpan.FromSeconds(30), "the 80 % warning");
        await DeliverAsync(busy.Id, "another", bodyBytes: 120 * 1024); // about 97 %
        await EventuallyAsync(async () => await QuotaWarningsAsync() == 2, TimeSpan.FromSeconds(30), "the 95 % warning");
        await EventuallyAsync(() => Task.FromResult(sync.RecentPasses.Any(p => p.Number > mark && !p.Full && p.Addresses.Contains("busy@incremental.example"))),
            TimeSpan.FromSeconds(30), "a pass over the changed mailbox");

        // The passes after deliveries read the mailbox that changed, never its quiet neighbour or the rest.
        var changedPasses = sync.RecentPasses.Where(p => p.Number > mark && !p.Full).ToList();
        Assert.Contains(changedPasses, p => p.Addresses.SequenceEqual(["busy@incremental.example"]));
        Assert.DoesNotContain(changedPasses, p => p.Addresses.Contains("quiet@incremental.example"));
        Assert.Equal(quietBefore.UsageUpdatedAt, (await UsageOfAsync("quiet")).UsageUpdatedAt);

        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        await pop.AuthenticateAsync("busy@incremental.example", Password, Ct);
        var subjects = new List<string>();
        for (var i = 0; i < pop.Count; i++) subjects.Add((await pop.GetMessageAsync(i, Ct)).Subject ?? "");
        await pop.DisconnectAsync(true, Ct);
        Assert.Single(subjects, s => s == "Your mailbox is 80% full");
        Assert.Single(subjects, s => s == "Your mailbox is 95% full");

        // A full pass afterwards finds nothing new to warn about.
        await sync.SyncAsync(Ct);
        Assert.Equal(2, await QuotaWarningsAsync());
        var busyUsage = await UsageOfAsync("busy");
        Assert.True(busyUsage.UsedBytes > 990 * 1024 && busyUsage.MessageCount == 4, $"{busyUsage.UsedBytes} bytes, {busyUsage.MessageCount} messages");
    }

    private async Task<MailboxView> UsageOfAsync(string localPart)
    {
        await using var s = host.As();
        return (await s.ServiceProvider.GetRequiredService<MailboxService>().GetAsync("incremental.example", localPart, Ct)).Value!;
    }

    private async Task<int> QuotaWarningsAsync()
    {
        await using var s = host.As();
        return await s.ServiceProvider.GetRequiredService<HostingPanelDbContext>().AuditEntries
            .CountAsync(a => a.Action == "mailbox.quota-warning" && a.EntityKey == "busy@incremental.example", Ct);
    }

    [Fact]
    public async Task Reconciliation_RecreatesWhatTheEngineLost_AndRemovesWhatOnlyTheEngineHas_AndAuditsIt()
    {
        await CustomerWithDomainAsync("drift.example");
        await CreateMailboxAsync("drift.example", "kept");
        await EventuallyAsync(() => Pop3LoginWorksAsync("kept@drift.example"), TimeSpan.FromSeconds(30), "mailbox active");
        var engine = host.App.Services.GetRequiredService<IMailEngineAdmin>();
        await engine.PurgeMailboxAsync("kept@drift.example", Ct);
        await engine.EnsureAliasAsync(new AliasSpec("stray@drift.example", ["kept@drift.example"]), Ct);
        Assert.False(await Pop3LoginWorksAsync("kept@drift.example"));

        var report = await host.App.Services.GetRequiredService<Reconciler>().RunAsync(Ct);

        Assert.Contains(report.Repairs, r => r.Contains("mailbox kept@drift.example was missing"));
        Assert.Contains(report.Repairs, r => r.Contains("alias stray@drift.example exists only in the engine"));
        Assert.True(await Pop3LoginWorksAsync("kept@drift.example"));
        var snapshot = await engine.GetDirectoryAsync(Ct);
        Assert.DoesNotContain(snapshot.Aliases, a => a.Address == "stray@drift.example");
        await using var s = host.As();
        Assert.True(await s.ServiceProvider.GetRequiredService<HostingPanelDbContext>().AuditEntries
            .AnyAsync(a => a.Action == "reconcile.repair" && a.Detail!.Contains("kept@drift.example"), Ct));
        Assert.DoesNotContain((await host.App.Services.GetRequiredService<Reconciler>().RunAsync(Ct)).Repairs, r => r.Contains("drift.example"));
    }

    [Fact]
    public async Task AliasChanges_ReachTheEngine()
    {
        await CustomerWithDomainAsync("alias.example");
        await CreateMailboxAsync("alias.example", "adam");
        await CreateMailboxAsync("alias.example", "betty");
        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<AliasService>()
                .CreateAsync("alias.example", new CreateAliasInput { LocalPart = "support", Destinations = ["adam@alias.example", "betty@alias.example"] }, Ct)).Succeeded);
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        await EventuallyAsync(async () => (await directory.ResolveRecipientAsync("support@alias.example", Ct)).Mailboxes.Count == 2,
            TimeSpan.FromSeconds(30), "alias fan-out in the engine");

        await using (var s = host.As())
            Assert.True((await s.ServiceProvider.GetRequiredService<AliasService>().DeleteAsync("alias.example", "support", Ct)).Succeeded);
        await EventuallyAsync(async () => (await directory.ResolveRecipientAsync("support@alias.example", Ct)).Status == RecipientStatus.Unknown,
            TimeSpan.FromSeconds(30), "alias removed from the engine");
    }

    private Task DeliverAsync(long mailboxId, string subject, int bodyBytes = 100) =>
        EngineDeliveries.DeliverAsync(host.App.Services, mailboxId, "someone@example.com", subject, bodyBytes, Ct);
}
