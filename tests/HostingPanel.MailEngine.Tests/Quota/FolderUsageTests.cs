using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.Reliability;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Quota;

/// <summary>
/// Issue 19 item 1: per-folder size and count are kept by the store beside the rows (not a scan), through
/// every path that adds or removes messages, and read largest first with Unicode names.
/// </summary>
public abstract class FolderUsageRules
{
    protected abstract Task<EngineHost> StartAsync();

    [Fact]
    public async Task FolderUsage_FollowsDeliveryAppendCopyMoveExpungeAndFolderDelete_LargestFirst()
    {
        await using var engine = await StartAsync();
        var folders = engine.Services.GetRequiredService<IMailboxFolderAdmin>();
        var account = await engine.CreateMailboxAsync("usage@example.com");
        var inbox = await engine.InboxAsync(account);
        var small = EngineHost.Message("small");
        var big = EngineHost.Message("big", new string('b', 5000) + "\r\n");
        var u1 = (await engine.DeliverAsync(account, small)).Uid;
        var u2 = (await engine.DeliverAsync(account, big)).Uid;
        Assert.Equal(StoreStatus.Ok, await engine.Store.CreateFolderAsync(account.Id, ImapModifiedUtf7.Encode("Reisekosten/Über 2026")));
        var custom = (await engine.Store.GetFolderAsync(account.Id, ImapModifiedUtf7.Encode("Reisekosten/Über 2026")))!;
        var archive = (await engine.Store.GetFolderAsync(account.Id, "Archive"))!;
        await engine.Store.AppendAsync(account.Id, custom.Id, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(big)));
        Assert.Equal(StoreStatus.Ok, (await engine.Store.CopyAsync(account.Id, inbox.Id, [u1, u2], archive.Id)).Status);
        Assert.Equal(StoreStatus.Ok, (await engine.Store.CopyAsync(account.Id, inbox.Id, [u2], custom.Id, move: true)).Status);

        var overview = (await folders.GetOverviewAsync("USAGE@example.com"))!;
        var byName = overview.Folders.ToDictionary(f => f.Name);
        Assert.Equal((1L, (long)small.Length), (byName["INBOX"].Messages, byName["INBOX"].Bytes));
        Assert.Equal((2L, 2L * big.Length), (byName["Reisekosten/Über 2026"].Messages, byName["Reisekosten/Über 2026"].Bytes));
        Assert.Equal((2L, (long)(small.Length + big.Length)), (byName["Archive"].Messages, byName["Archive"].Bytes));
        Assert.Equal((0L, 0L), (byName["Reisekosten"].Messages, byName["Reisekosten"].Bytes));
        Assert.Equal(overview.Folders.OrderByDescending(f => f.Bytes).Select(f => f.Bytes), overview.Folders.Select(f => f.Bytes));
        Assert.Equal(overview.UsedBytes, overview.Folders.Sum(f => f.Bytes));
        Assert.Equal(overview.MessageCount, overview.Folders.Sum(f => f.Messages));
        await StoreAudit.AssertConsistentAsync(engine, account);

        // Expunge and folder delete give the bytes back, folder by folder.
        await engine.Store.StoreFlagsAsync(archive.Id, [1], FlagChange.Add, MessageFlags.Deleted);
        await engine.Store.ExpungeAsync(archive.Id);
        Assert.Equal(StoreStatus.Ok, await engine.Store.DeleteFolderAsync(account.Id, ImapModifiedUtf7.Encode("Reisekosten/Über 2026")));
        overview = (await folders.GetOverviewAsync("usage@example.com"))!;
        Assert.DoesNotContain(overview.Folders, f => f.Name == "Reisekosten/Über 2026");
        Assert.Equal(1, overview.Folders.Single(f => f.Name == "Archive").Messages);
        Assert.Equal(overview.UsedBytes, overview.Folders.Sum(f => f.Bytes));
        await StoreAudit.AssertConsistentAsync(engine, account);
    }

    [Fact]
    public async Task Retention_IsSetPerFolder_UnknownFolderOrMailboxIsNotFound_DefaultsComeFromTheMailbox()
    {
        await using var engine = await StartAsync();
        var folders = engine.Services.GetRequiredService<IMailboxFolderAdmin>();
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("ret@example.com", EngineHost.Hash(EngineHost.Password), 0, true, true, true, 0,
            TrashRetentionDays: 30, JunkRetentionDays: 14));
        var account = (await engine.Directory.FindMailboxAsync("ret@example.com"))!;
        Assert.Equal(StoreStatus.Ok, await engine.Store.CreateFolderAsync(account.Id, ImapModifiedUtf7.Encode("日本/旅行")));

        Assert.Equal(FolderRetentionOutcome.Ok, await folders.SetRetentionAsync("ret@example.com", "Sent", 365));
        Assert.Equal(FolderRetentionOutcome.Ok, await folders.SetRetentionAsync("ret@example.com", "日本/旅行", 7));
        Assert.Equal(FolderRetentionOutcome.Ok, await folders.SetRetentionAsync("ret@example.com", "Junk", 0));
        Assert.Equal(FolderRetentionOutcome.FolderNotFound, await folders.SetRetentionAsync("ret@example.com", "Nope", 1));
        Assert.Equal(FolderRetentionOutcome.MailboxNotFound, await folders.SetRetentionAsync("nobody@example.com", "Sent", 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => folders.SetRetentionAsync("ret@example.com", "Sent", -1));

        var byName = (await folders.GetOverviewAsync("ret@example.com"))!.Folders.ToDictionary(f => f.Name);
        Assert.Equal((365, false), (byName["Sent"].RetentionDays, byName["Sent"].RetentionIsDefault));
        Assert.Equal((7, false), (byName["日本/旅行"].RetentionDays, byName["日本/旅行"].RetentionIsDefault));
        Assert.Equal((30, true), (byName["Trash"].RetentionDays, byName["Trash"].RetentionIsDefault));
        Assert.Equal((0, false), (byName["Junk"].RetentionDays, byName["Junk"].RetentionIsDefault));
        Assert.Equal((0, true), (byName["INBOX"].RetentionDays, byName["INBOX"].RetentionIsDefault));
        Assert.Null(await folders.GetOverviewAsync("nobody@example.com"));

        // null puts a folder back on the mailbox's default.
        Assert.Equal(FolderRetentionOutcome.Ok, await folders.SetRetentionAsync("ret@example.com", "Junk", null));
        Assert.Equal(14, (await folders.GetOverviewAsync("ret@example.com"))!.Folders.Single(f => f.Name == "Junk").RetentionDays);
    }

    [Fact]
    public async Task LargestMessages_AreListedLargestFirst_WithSubjectAndFolder()
    {
        await using var engine = await StartAsync();
        var folders = engine.Services.GetRequiredService<IMailboxFolderAdmin>();
        var account = await engine.CreateMailboxAsync("big@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("medium", new string('m', 3000) + "\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("=?utf-8?q?gr=C3=B6=C3=9Fte?=", new string('g', 9000) + "\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("tiny"));

        var largest = (await folders.GetLargestMessagesAsync("big@example.com", 2))!;
        Assert.Equal(["größte", "medium"], largest.Select(m => m.Subject).ToArray());
        Assert.All(largest, m => Assert.Equal("INBOX", m.Folder));
        Assert.Contains("alice@example.org", largest[0].From);
        Assert.True(largest[0].Size > largest[1].Size);
        Assert.Null(await folders.GetLargestMessagesAsync("nobody@example.com", 5));
    }
}

public sealed class SqliteFolderUsageTests : FolderUsageRules
{
    protected override Task<EngineHost> StartAsync() => EngineHost.StartAsync();
}

public sealed class PostgresFolderUsageTests : FolderUsageRules
{
    protected override Task<EngineHost> StartAsync() => EngineHost.StartPostgresAsync();
}
