using System.Text;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Maintenance;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Reliability;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Quota;

/// <summary>
/// Issue 19 items 2 and 3: retention per folder on a controllable clock, and a full mailbox that can still be
/// cleaned up (COPY to Trash, expunge), is told so (notices past the quota) and knows since when mail is refused.
/// </summary>
public sealed class FullMailboxTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private static Task<EngineHost> StartAsync(ManualClock clock) =>
        EngineHost.StartAsync(null, services => services.AddSingleton<TimeProvider>(clock));

    [Fact]
    public async Task Retention_RemovesWhatCameIntoTheFolderLongerAgoThanItsDays_CountedFromTheMoveNotTheArrival()
    {
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var retention = engine.Services.GetRequiredService<FolderRetention>();
        var folders = engine.Services.GetRequiredService<IMailboxFolderAdmin>();
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("old@example.com", EngineHost.Hash(EngineHost.Password), 0, true, true, true, 0,
            TrashRetentionDays: 30, JunkRetentionDays: 30));
        var account = (await engine.Directory.FindMailboxAsync("old@example.com"))!;
        var inbox = await engine.InboxAsync(account);
        var trash = (await engine.Store.GetFolderAsync(account.Id, "Trash"))!;
        var junk = (await engine.Store.GetFolderAsync(account.Id, "Junk"))!;
        var sent = (await engine.Store.GetFolderAsync(account.Id, "Sent"))!;
        var old = (await engine.DeliverAsync(account, EngineHost.Message("last year's"))).Uid;
        await engine.Store.AppendAsync(account.Id, sent.Id, Stream(EngineHost.Message("sent long ago")));
        await engine.Store.AppendAsync(account.Id, junk.Id, Stream(EngineHost.Message("spam")));
        Assert.Equal(FolderRetentionOutcome.Ok, await folders.SetRetentionAsync("old@example.com", "Sent", 365));
        Assert.Equal(FolderRetentionOutcome.Ok, await folders.SetRetentionAsync("old@example.com", "Junk", 0));

        // 200 days later the old message is deleted (moved to Trash): Trash's 30 days start now.
        clock.Advance(TimeSpan.FromDays(200));
        Assert.Equal(StoreStatus.Ok, (await engine.Store.CopyAsync(account.Id, inbox.Id, [old], trash.Id, move: true)).Status);
        clock.Advance(TimeSpan.FromDays(29));
        Assert.Equal(0, (await retention.ApplyAsync(account.Id)).Messages);
        Assert.Single(await engine.Store.ListMessagesAsync(trash.Id));

        clock.Advance(TimeSpan.FromDays(2));
        var outcome = await retention.ApplyAsync(account.Id);
        Assert.Equal(1, outcome.Messages);
        Assert.Empty(await engine.Store.ListMessagesAsync(trash.Id));
        Assert.Single(await engine.Store.ListMessagesAsync(sent.Id));
        Assert.Single(await engine.Store.ListMessagesAsync(junk.Id)); // 0 = never, although the mailbox default is 30

        clock.Advance(TimeSpan.FromDays(365 - 231 + 1));
        Assert.Equal(1, (await retention.ApplyAllAsync()).Messages);
        Assert.Empty(await engine.Store.ListMessagesAsync(sent.Id));
        Assert.Single(await engine.Store.ListMessagesAsync(junk.Id));

        // Each run that removed something is in the history, newest first.
        var runs = (await folders.GetOverviewAsync("old@example.com"))!.RetentionRuns;
        Assert.Equal([Start.AddDays(366), Start.AddDays(231)], runs.Select(r => r.At).ToArray());
        Assert.All(runs, r => Assert.Equal(1, r.Messages));
        await StoreAudit.AssertConsistentAsync(engine, account);
    }

    [Fact]
    public async Task FullMailbox_ImapClientThatCopiesToTrashThenExpunges_Succeeds_AndSpaceReturns()
    {
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var message = ReliabilityWire.Message("filler", 4_000);
        var account = await engine.CreateMailboxAsync("full@example.com", quotaBytes: 2L * message.Length);
        Assert.Equal(DeliveryOk, (await engine.DeliverAsync(account, message)).Status);
        Assert.Equal(DeliveryOk, (await engine.DeliverAsync(account, message)).Status);

        // The mailbox is full: new mail is refused, and the refusal's time is kept.
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.StartsWith("452 4.2.2", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "full@example.com", message));
        var folders = engine.Services.GetRequiredService<IMailboxFolderAdmin>();
        Assert.Equal(Start.AddMinutes(5), (await folders.GetOverviewAsync("full@example.com"))!.RefusedSince);
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.StartsWith("452 4.2.2", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "full@example.com", message));
        Assert.Equal(Start.AddMinutes(5), (await folders.GetOverviewAsync("full@example.com"))!.RefusedSince);

        // What Apple Mail and Outlook do on delete: COPY to Trash, flag \Deleted, EXPUNGE. The COPY overdraws.
        await using var wire = await ImapServerClients.WireAsync(engine, "full@example.com");
        Assert.Contains("* 2 EXISTS", await wire.CommandAsync("s SELECT INBOX"));
        Assert.StartsWith("c OK", (await wire.CommandAsync("c COPY 1 Trash")).Last());
        Assert.StartsWith("f OK", (await wire.CommandAsync("f STORE 1 +FLAGS.SILENT (\\Deleted)")).Last());
        Assert.StartsWith("e OK", (await wire.CommandAsync("e EXPUNGE")).Last());
        var audit = await StoreAudit.AssertConsistentAsync(engine, account);
        Assert.Equal(2L * message.Length, audit.QuotaUsed);
        // Space was freed: the "refused since" period ended.
        Assert.Null((await folders.GetOverviewAsync("full@example.com"))!.RefusedSince);

        // Emptying Trash gives the space back; new mail is accepted again.
        Assert.Contains("* 1 EXISTS", await wire.CommandAsync("t SELECT Trash"));
        Assert.StartsWith("d OK", (await wire.CommandAsync("d STORE 1:* +FLAGS.SILENT (\\Deleted)")).Last());
        Assert.StartsWith("x OK", (await wire.CommandAsync("x EXPUNGE")).Last());
        Assert.StartsWith("250", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "full@example.com", EngineHost.Message("room again")));
        await StoreAudit.AssertConsistentAsync(engine, account);
    }

    [Fact]
    public async Task TrashOverdraft_IsReclaimedByTheNextRetentionRun_OldestFirst()
    {
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var retention = engine.Services.GetRequiredService<FolderRetention>();
        var message = ReliabilityWire.Message("filler", 4_000);
        var account = await engine.CreateMailboxAsync("over@example.com", quotaBytes: 3L * message.Length);
        var inbox = await engine.InboxAsync(account);
        var trash = (await engine.Store.GetFolderAsync(account.Id, "Trash"))!;
        var uids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            uids.Add((await engine.DeliverAsync(account, message)).Uid);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Copied to Trash and never expunged (a client that died halfway): the mailbox is past its quota.
        Assert.Equal(StoreStatus.Ok, (await engine.Store.CopyAsync(account.Id, inbox.Id, uids[..2], trash.Id)).Status);
        Assert.Equal(5L * message.Length, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);
        // A copy elsewhere is still refused.
        var archive = (await engine.Store.GetFolderAsync(account.Id, "Archive"))!;
        Assert.Equal(StoreStatus.OverQuota, (await engine.Store.CopyAsync(account.Id, inbox.Id, uids[..1], archive.Id)).Status);

        var outcome = await retention.ApplyAsync(account.Id);
        Assert.Equal(2, outcome.Messages);
        Assert.Empty(await engine.Store.ListMessagesAsync(trash.Id));
        Assert.Equal(3, (await engine.Store.ListMessagesAsync(inbox.Id)).Count);
        await StoreAudit.AssertConsistentAsync(engine, account);
    }

    [Fact]
    public async Task Notice_ReachesAFullMailbox_WithinTheReservedHeadroom_OrdinaryMailDoesNot()
    {
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var message = ReliabilityWire.Message("filler", 4_000);
        var account = await engine.CreateMailboxAsync("notice@example.com", quotaBytes: message.Length);
        Assert.Equal(DeliveryOk, (await engine.DeliverAsync(account, message)).Status);
        var notice = Encoding.UTF8.GetBytes(EngineHost.Message("Your mailbox is full"));

        Assert.Equal(Delivery.DeliveryStatus.OverQuota, (await engine.Delivery.DeliverAsync(new MemoryStream(notice), [account.Id]))[0].Status);
        Assert.Equal(DeliveryOk, (await engine.Delivery.DeliverNoticeAsync(new MemoryStream(notice), [account.Id]))[0].Status);
        // The headroom is small and bounded: a notice larger than it is refused (and cut off while reading).
        var huge = Encoding.UTF8.GetBytes(ReliabilityWire.Message("huge", (int)Quotas.QuotaOverdraft.NoticeBytes + 1000));
        await Assert.ThrowsAnyAsync<Exception>(() => engine.Delivery.DeliverNoticeAsync(new MemoryStream(huge), [account.Id]));
        Assert.Equal(2, (await engine.Store.GetQuotaAsync(account.Id))!.MessageCount);
    }

    private const Delivery.DeliveryStatus DeliveryOk = Delivery.DeliveryStatus.Delivered;

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));
}
