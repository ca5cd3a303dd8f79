using System.Diagnostics;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Auth;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>The whole product on PostgreSQL, with short backoffs so that retries after a fault come quickly.</summary>
public sealed class PostgresMailHostFixture() : MailHostFixture(TestProvider.PostgreSql)
{
    public string PanelConnectionString => App.Configuration.GetConnectionString("Panel")!;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        base.ExtraSettings().Concat([new("Provisioning:InitialBackoff", "00:00:00.200"), new("Provisioning:MaxBackoff", "00:00:01")]);
}

/// <summary>
/// Issue 8 item 6, a database restart: while the worker applies batches on PostgreSQL, every connection
/// of the product to its database is terminated again and again (pg_terminate_backend, which is what a
/// server restart looks like to a client; CI's private cluster cannot be restarted under other tests).
/// Nothing is lost, nothing is applied twice to ill effect, and every mailbox ends active.
/// </summary>
public sealed class WorkerDatabaseRestartTests(PostgresMailHostFixture host) : IClassFixture<PostgresMailHostFixture>
{
    private const int Count = 150;
    private const string Password = "imported-password-1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectionsTerminatedWhileApplyingBatches_EveryMailboxEndsActive_OnceWithItsFolders()
    {
        host.RequireAvailable();
        await using (var s = host.As())
        {
            var c = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = "Restart", Email = "owner@restart.example", Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = Count, DiskQuotaMb = Count },
            }, Ct);
            Assert.True((await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = "restart.example", CustomerId = c.Value!.Id }, Ct)).Succeeded);
        }

        // The chaos runs on a connection of its own (not from the product's pools) while the mailboxes are created.
        using var stop = new CancellationTokenSource();
        var chaos = Task.Run(() => TerminateRepeatedlyAsync(stop.Token), Ct);
        var hash = DovecotPassword.HashSha512Crypt(Password);
        for (var i = 0; i < Count; i++)
            await CreateDespiteFaultsAsync($"user{i}", hash);
        var (kills, killsWithWorkPending) = await StopAsync(stop, chaos);
        Assert.True(killsWithWorkPending > 0, $"no termination hit the worker with work pending ({kills} terminations): the test proved nothing");

        var deadline = Stopwatch.StartNew();
        Dictionary<string, long> statuses;
        do
        {
            statuses = await CountAsync("""SELECT "Status", COUNT(*) FROM "Mailboxes" GROUP BY "Status" """);
            // Every mailbox active is not yet the end: the worker may still hold a record it wrote after the last one.
            var pending = (await CountAsync("""SELECT 'pending', COUNT(*) FROM "Outbox" WHERE "ProcessedAt" IS NULL""")).GetValueOrDefault("pending");
            if (statuses.GetValueOrDefault(nameof(EntityStatus.Active)) == Count && pending == 0) break;
            await Task.Delay(200, Ct);
        } while (deadline.Elapsed < TimeSpan.FromSeconds(60));
        Assert.Equal(Count, statuses.GetValueOrDefault(nameof(EntityStatus.Active)));

        // Nothing left behind, nothing doubled: every record processed; each mailbox once in the engine with its six folders.
        Assert.Equal(0, (await CountAsync("""SELECT 'pending', COUNT(*) FROM "Outbox" WHERE "ProcessedAt" IS NULL""")).GetValueOrDefault("pending"));
        var folders = await CountAsync("SELECT m.address, COUNT(f.id) FROM mail.mailboxes m LEFT JOIN mail.folders f ON f.mailbox_id = m.id WHERE m.address LIKE '%@restart.example' GROUP BY m.address");
        Assert.Equal(Count, folders.Count);
        Assert.All(folders, f => Assert.Equal(6, f.Value));
        foreach (var i in new[] { 0, Count / 2, Count - 1 })
        {
            using var pop = new Pop3Client();
            await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
            await pop.AuthenticateAsync($"user{i}@restart.example", Password, Ct);
            Assert.Equal(0, pop.Count);
        }
    }

    /// <summary>A create that meets a dropped connection is tried again, unless it was in fact saved.</summary>
    private async Task CreateDespiteFaultsAsync(string localPart, string hash)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var s = host.As();
                var mailboxes = s.ServiceProvider.GetRequiredService<MailboxService>();
                if ((await mailboxes.CreateAsync("restart.example", new CreateMailboxInput { LocalPart = localPart, PasswordHash = hash, QuotaMb = 1 }, Ct)).Succeeded)
                    return;
                if ((await mailboxes.GetAsync("restart.example", localPart, Ct)).Succeeded)
                    return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or Microsoft.EntityFrameworkCore.DbUpdateException && attempt < 50)
            {
            }
            await Task.Delay(50, Ct);
        }
    }

    private async Task<(int Kills, int KillsWithWorkPending)> TerminateRepeatedlyAsync(CancellationToken stop)
    {
        var own = new NpgsqlConnectionStringBuilder(host.PanelConnectionString) { Pooling = false }.ToString();
        await using var c = new NpgsqlConnection(own);
        await c.OpenAsync(Ct);
        int kills = 0, withWork = 0;
        while (!stop.IsCancellationRequested)
        {
            await using (var pending = new NpgsqlCommand("""SELECT COUNT(*) FROM "Outbox" WHERE "ProcessedAt" IS NULL""", c))
            {
                var work = (long)(await pending.ExecuteScalarAsync(Ct))!;
                await using var terminate = new NpgsqlCommand(
                    "SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", c);
                var terminated = (long)(await terminate.ExecuteScalarAsync(Ct))!;
                if (terminated > 0) kills++;
                if (terminated > 0 && work > 0) withWork++;
            }
            try { await Task.Delay(Random.Shared.Next(100, 300), stop); } catch (OperationCanceledException) { }
        }
        return (kills, withWork);
    }

    private static async Task<(int, int)> StopAsync(CancellationTokenSource stop, Task<(int, int)> chaos)
    {
        await stop.CancelAsync();
        return await chaos;
    }

    private async Task<Dictionary<string, long>> CountAsync(string sql)
    {
        await using var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(host.PanelConnectionString) { Pooling = false }.ToString());
        await c.OpenAsync(Ct);
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync(Ct);
        var result = new Dictionary<string, long>();
        while (await r.ReadAsync(Ct)) result[r.GetString(0)] = r.GetInt64(1);
        return result;
    }
}
