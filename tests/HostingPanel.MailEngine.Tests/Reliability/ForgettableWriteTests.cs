using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// A forgettable write (the \Recent claim) commits without waiting for the disk, and only it: every other write
/// stays durable, also on the pooled connection a forgettable write used just before (issue 17 item 4: each APPEND
/// into the selected folder paid a second fsync for its \Recent claim).
/// </summary>
public abstract class ForgettableWriteTests
{
    protected abstract Task<EngineHost> StartAsync();

    /// <summary>The setting that decides whether a commit waits for the disk, read inside the transaction.</summary>
    protected abstract string DurabilityQuery { get; }

    protected abstract string Durable { get; }

    protected abstract string NotWaitingForTheDisk { get; }

    [Fact]
    public async Task ForgettableWrite_DoesNotWaitForTheDisk_AndEveryOtherWriteStillDoes()
    {
        await using var engine = await StartAsync();
        var db = engine.Services.GetRequiredService<EngineDatabase>();

        Assert.Equal(Durable, await SettingInAsync(db, forgettable: false));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(NotWaitingForTheDisk, await SettingInAsync(db, forgettable: true));
            // The next writer may get the same pooled connection: it must commit durably again.
            Assert.Equal(Durable, await SettingInAsync(db, forgettable: false));
        }
    }

    [Fact]
    public async Task RecentClaim_StillGoesToOneSessionOnly()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("recent@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("new"));
        var inbox = await engine.InboxAsync(account);
        var store = engine.Store;

        var first = await store.ClaimRecentAsync(inbox.Id, 2);
        var second = await store.ClaimRecentAsync(inbox.Id, 2);

        Assert.Equal(1, first);   // [1, 2): the first session has UID 1 as \Recent
        Assert.Equal(2, second);  // nothing left for the second
    }

    private async Task<string> SettingInAsync(EngineDatabase db, bool forgettable)
    {
        async Task<string> Read(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx)
        {
            await using var command = c.Command(tx, DurabilityQuery);
            return Convert.ToString(await command.ExecuteScalarAsync())!;
        }

        return forgettable ? await db.WriteForgettableAsync(Read) : await db.WriteAsync(Read);
    }
}

public sealed class ForgettableWriteSqliteTests : ForgettableWriteTests
{
    protected override Task<EngineHost> StartAsync() => EngineHost.StartAsync();
    protected override string DurabilityQuery => "PRAGMA synchronous";
    protected override string Durable => "2";                // FULL
    protected override string NotWaitingForTheDisk => "1";   // NORMAL: in WAL mode, no fsync at commit
}

public sealed class ForgettableWritePostgresTests : ForgettableWriteTests
{
    protected override Task<EngineHost> StartAsync() => EngineHost.StartPostgresAsync();
    protected override string DurabilityQuery => "SHOW synchronous_commit";
    protected override string Durable => "on";
    protected override string NotWaitingForTheDisk => "off";
}
