using System.Text;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Sessions.Imap;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>The adapters between the store and the IMAP session interfaces, without a socket.</summary>
public sealed class ImapStoreAdapterTests
{
    private static async Task<(EngineHost Engine, MailboxAccount Account, IImapAccount Imap)> StartAsync(long quota = 0)
    {
        var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("adapter@example.com", quota);
        var imap = await engine.Services.GetRequiredService<ImapStoreAuthenticator>()
            .AuthenticateAsync("adapter@example.com", EngineHost.Password, new ImapClientInfo(null, true), CancellationToken.None);
        return (engine, account, imap!);
    }

    [Fact]
    public async Task IncrementalSnapshot_EqualsAFreshOne_AfterDeliveriesFlagsExpungesCopiesAndMoves()
    {
        var (engine, account, imap) = await StartAsync();
        await using var _ = engine;
        for (var i = 0; i < 5; i++)
            await engine.DeliverAsync(account, EngineHost.Message($"m{i}"));
        await using var inbox = (await imap.OpenFolderAsync("INBOX", CancellationToken.None))!;
        var first = await inbox.GetSnapshotAsync(CancellationToken.None);
        Assert.Equal(5, first.Messages.Count);

        await engine.DeliverAsync(account, EngineHost.Message("m5"));
        await inbox.StoreFlagsAsync([2, 4], ImapStoreMode.Add, ["\\Seen", "$Label1"], null, CancellationToken.None);
        await inbox.StoreFlagsAsync([4], ImapStoreMode.Add, ["\\Deleted"], null, CancellationToken.None);
        Assert.Equal([4u], await inbox.ExpungeAsync(null, CancellationToken.None));
        await using (var archive = (await imap.OpenFolderAsync("Archive", CancellationToken.None))!)
        {
            await inbox.CopyToAsync([1, 2], "Archive", move: false, CancellationToken.None);
            await archive.CopyToAsync([1], "INBOX", move: true, CancellationToken.None);
        }
        await inbox.CopyToAsync([3], "Trash", move: true, CancellationToken.None);

        var patched = await inbox.GetSnapshotAsync(CancellationToken.None);
        await using var fresh = (await imap.OpenFolderAsync("inbox", CancellationToken.None))!;
        var full = await fresh.GetSnapshotAsync(CancellationToken.None);
        Assert.Equal(full.HighestModSeq, patched.HighestModSeq);
        Assert.Equal(full.UidNext, patched.UidNext);
        Assert.Equal(Describe(full), Describe(patched));
        Assert.Equal([1u, 2u, 5u, 6u, 7u], patched.Messages.Select(m => m.Uid));
        Assert.Equal(["\\Seen", "$Label1"], patched.Messages[1].Flags);
    }

    [Fact]
    public async Task WaitForChange_CompletesOnDeliveryToThisFolderOnly()
    {
        var (engine, account, imap) = await StartAsync();
        await using var _ = engine;
        await using var inbox = (await imap.OpenFolderAsync("INBOX", CancellationToken.None))!;
        await inbox.GetSnapshotAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var wait = inbox.WaitForChangeAsync(timeout.Token);
        await Task.Delay(100);
        Assert.False(wait.IsCompleted);
        await imap.CreateFolderAsync("Other", null, CancellationToken.None);
        await Task.Delay(100);
        Assert.False(wait.IsCompleted);
        await engine.DeliverAsync(account, EngineHost.Message("wake"));
        await wait;

        // A change between the caller's last look and its next wait is not lost.
        await engine.DeliverAsync(account, EngineHost.Message("while syncing"));
        await inbox.WaitForChangeAsync(timeout.Token);
    }

    [Fact]
    public async Task HighestModSeq_WithoutAQueryPerCheck_StillSeesEveryChangeMadeElsewhere()
    {
        // NOOP trusts the change notifier instead of reading the folder row each time: a change made
        // through any other handle (delivery, another session's STORE/EXPUNGE) must still show at once.
        var (engine, account, imap) = await StartAsync();
        await using var _ = engine;
        await engine.DeliverAsync(account, EngineHost.Message("first"));
        await using var inbox = (await imap.OpenFolderAsync("INBOX", CancellationToken.None))!;
        await using var other = (await imap.OpenFolderAsync("INBOX", CancellationToken.None))!;
        var start = (await inbox.GetSnapshotAsync(CancellationToken.None)).HighestModSeq;
        Assert.Equal(start, await inbox.GetHighestModSeqAsync(CancellationToken.None));
        Assert.Equal(start, await inbox.GetHighestModSeqAsync(CancellationToken.None));

        async Task AssertSeenAsync(string what)
        {
            var fresh = (await other.GetSnapshotAsync(CancellationToken.None)).HighestModSeq;
            Assert.True(fresh > start, what + " did not raise the MODSEQ");
            Assert.Equal(fresh, await inbox.GetHighestModSeqAsync(CancellationToken.None));
            start = fresh;
        }

        await engine.DeliverAsync(account, EngineHost.Message("second"));
        await AssertSeenAsync("delivery");
        await other.StoreFlagsAsync([1], ImapStoreMode.Add, ["\\Deleted"], null, CancellationToken.None);
        await AssertSeenAsync("another session's STORE");
        await other.ExpungeAsync(null, CancellationToken.None);
        await AssertSeenAsync("another session's EXPUNGE");
        Assert.Equal(start, await inbox.GetHighestModSeqAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SqliteEngine_RaisesTheThreadPoolFloor_SoSessionsDoNotQueueBehindBlockedQueries()
    {
        // SQLite blocks a pool thread per query; with the default floor of one thread per core a
        // NOOP waited for the pool to grow. The engine raises the floor when it opens the store.
        var (engine, _, _) = await StartAsync();
        await using var _ = engine;
        Assert.True(engine.Services.GetRequiredService<EngineDatabase>().IsSqlite);
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        Assert.True(completionPorts > 0);
        Assert.True(workers >= BlockingStoreThreads.MinimumWorkerThreads, $"min worker threads {workers}");
    }

    [Fact]
    public async Task Append_MapsFlagsKeywordsDateAndQuota_AndFolderNamesAreUnicode()
    {
        var (engine, account, imap) = await StartAsync(quota: 10_000);
        await using var _ = engine;
        Assert.True((await imap.CreateFolderAsync("Entwürfe/Ärger", null, CancellationToken.None)).Success);
        Assert.Contains(await imap.ListFoldersAsync(CancellationToken.None), f => f.Name == "Entwürfe/Ärger");
        Assert.NotNull(await engine.Store.GetFolderAsync(account.Id, "Entw&APw-rfe/&AMQ-rger"));

        var date = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var raw = Encoding.UTF8.GetBytes(EngineHost.Message("appended"));
        var result = await imap.AppendAsync("Entwürfe/Ärger", [new ImapAppendMessage(["\\flagged", "\\Recent", "Custom"], date, raw, false)], CancellationToken.None);
        Assert.True(result.Result.Success);
        await using var folder = (await imap.OpenFolderAsync("Entwürfe/Ärger", CancellationToken.None))!;
        var meta = Assert.Single((await folder.GetSnapshotAsync(CancellationToken.None)).Messages);
        Assert.Equal(["\\Flagged", "Custom"], meta.Flags);
        Assert.Equal(date, meta.InternalDate);
        var data = (await folder.LoadMessageAsync(meta.Uid, includeRaw: true, CancellationToken.None))!;
        Assert.Equal(raw, data.Raw.ToArray());
        Assert.Contains("\"appended\"", Encoding.UTF8.GetString(data.Envelope!));
        Assert.NotNull(data.BodyStructure);
        var cachedOnly = (await folder.LoadMessageAsync(meta.Uid, includeRaw: false, CancellationToken.None))!;
        Assert.True(cachedOnly.Raw.IsEmpty);
        Assert.Equal(data.Envelope, cachedOnly.Envelope);

        var quota = await imap.GetQuotaAsync(CancellationToken.None);
        Assert.Equal(new ImapQuotaUsage(raw.Length, 10_000, 1, null), quota);
        var tooBig = new byte[10_000];
        Array.Fill(tooBig, (byte)'x');
        var refused = await imap.AppendAsync("INBOX", [new ImapAppendMessage([], null, tooBig, false)], CancellationToken.None);
        Assert.Equal(ImapStoreError.OverQuota, refused.Result.Error);
        Assert.Equal(ImapStoreError.NonExistent, (await imap.AppendAsync("Nope", [new ImapAppendMessage([], null, raw, false)], CancellationToken.None)).Result.Error);
        Assert.Equal(ImapStoreError.Cannot, (await imap.DeleteFolderAsync("inbox", CancellationToken.None)).Error);
        Assert.Equal(ImapStoreError.HasChildren, (await imap.DeleteFolderAsync("Entwürfe", CancellationToken.None)).Error);
    }

    private static List<string> Describe(ImapFolderSnapshot s) =>
        s.Messages.Select(m => $"{m.Uid} {string.Join(',', m.Flags)} {m.ModSeq} {m.Size} {m.InternalDate:O}").ToList();
}
