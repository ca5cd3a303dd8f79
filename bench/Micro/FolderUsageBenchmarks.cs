using System.Text;
using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// Issue 19's goal: where the space went, for a mailbox of 100 folders and 100,000 messages, in under 50 ms.
/// The folder list reads the totals the store keeps beside the rows (one row per folder); the largest
/// messages walk the (mailbox_id, size) index. The rows are made by SQL from one delivered message (the
/// triggers keep the totals as for real deliveries), so the setup takes seconds, not 100,000 fsyncs.
/// </summary>
[MemoryDiagnoser]
public class FolderUsageBenchmarks
{
    private const int Folders = 100;
    private const int MessagesPerFolder = 1_000;
    private const string Address = "big@folders.test";
    private TemporaryEngine _engine = null!;
    private IMailboxFolderAdmin _folders = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _engine = await TemporaryEngine.StartAsync();
        _folders = _engine.Get<IMailboxFolderAdmin>();
        var account = await _engine.CreateMailboxAsync(Address);
        var store = _engine.Get<MailStore>();
        var message = Encoding.UTF8.GetBytes("From: a@folders.test\r\nTo: big@folders.test\r\nSubject: seed\r\n\r\nbody\r\n");
        await _engine.Get<MailDelivery>().DeliverAsync(new MemoryStream(message), [account.Id]);
        // "Projects" and 93 folders under it beside the six defaults: 100.
        for (var i = 0; i < Folders - MailStore.DefaultFolders.Count - 1; i++)
            await store.CreateFolderAsync(account.Id, $"Projects/P{i:000}");
        var db = _engine.Get<EngineDatabase>();
        foreach (var folder in await store.ListFoldersAsync(account.Id))
        {
            await db.WriteAsync(async (c, tx) =>
            {
                await using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                // Sizes spread from 1 KB to about 2 MB, different in every folder.
                cmd.CommandText = $"""
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {MessagesPerFolder - 1})
                    INSERT INTO messages (folder_id, mailbox_id, uid, modseq, flags, keywords, size, internal_date, body, envelope, body_structure, body_simple, header_size, saved_at)
                    SELECT {folder.Id}, s.mailbox_id, 100000 + n.i, 1, 0, '', 1024 + ((n.i * 7919 + {folder.Id} * 104729) % 2000000), s.internal_date, s.body, s.envelope,
                           s.body_structure, s.body_simple, s.header_size, s.saved_at
                    FROM n CROSS JOIN (SELECT * FROM messages WHERE mailbox_id = {account.Id} LIMIT 1) s
                    """;
                await cmd.ExecuteNonQueryAsync();
            });
        }
        var overview = (await _folders.GetOverviewAsync(Address))!;
        if (overview.Folders.Count != Folders || overview.Folders.Sum(f => f.Messages) < Folders * MessagesPerFolder)
            throw new InvalidOperationException("the setup did not make 100 folders of 1,000 messages");
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    [Benchmark]
    public async Task<int> FolderList() => (await _folders.GetOverviewAsync(Address))!.Folders.Count;

    [Benchmark]
    public async Task<int> LargestTwenty() => (await _folders.GetLargestMessagesAsync(Address, 20))!.Count;
}
