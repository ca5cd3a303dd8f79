using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;
using Microsoft.Extensions.DependencyInjection;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// What "nothing corrupted" means for one mailbox: every message row has its complete body file, the
/// quota counters equal the stored bytes and messages across all folders, and the store holds no
/// temporary file and no body that no row references (so the engine must hold only this mailbox).
/// </summary>
internal static class StoreAudit
{
    public sealed record Totals(long Messages, long Bytes, long QuotaUsed, long QuotaCount);

    public static async Task<Totals> AssertConsistentAsync(EngineHost engine, MailboxAccount account, bool onlyMailbox = true)
    {
        long messages = 0, bytes = 0;
        var referenced = new HashSet<string>();
        // The per-folder usage the store keeps beside the rows (issue 19) must equal what the rows say.
        var overview = await engine.Services.GetRequiredService<IMailboxFolderAdmin>().GetOverviewAsync(account.Address);
        foreach (var folder in await engine.Store.ListFoldersAsync(account.Id))
        {
            var listed = await engine.Store.ListMessagesAsync(folder.Id);
            if (overview?.Folders.FirstOrDefault(f => f.Name == ImapStoreAccount.ToUnicode(folder.Name)) is { } kept)
            {
                Assert.Equal((listed.Count, listed.Sum(m => m.Size)), (kept.Messages, kept.Bytes));
            }
            foreach (var m in listed)
            {
                var file = new FileInfo(engine.Store.Bodies.FullPath(m.BodyPath));
                Assert.True(file.Exists, $"message {folder.Name}/{m.Uid} has no body file");
                Assert.Equal(m.Size, file.Length);
                referenced.Add(m.BodyPath);
                messages++;
                bytes += m.Size;
            }
        }
        var quota = (await engine.Store.GetQuotaAsync(account.Id))!;
        Assert.Equal(bytes, quota.UsedBytes);
        Assert.Equal(messages, quota.MessageCount);
        Assert.True(quota.QuotaBytes == 0 || quota.UsedBytes <= quota.QuotaBytes, $"usage {quota.UsedBytes} past the quota {quota.QuotaBytes}");

        if (onlyMailbox)
            AssertNoStrayFiles(engine, referenced);
        return new Totals(messages, bytes, quota.UsedBytes, quota.MessageCount);
    }

    /// <summary>Every file under the body store is one of <paramref name="referenced"/> (no temporary file, no orphan).</summary>
    public static void AssertNoStrayFiles(EngineHost engine, IReadOnlySet<string> referenced)
    {
        var root = engine.Store.Bodies.Root;
        var strays = System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !referenced.Contains(f))
            .ToList();
        Assert.True(strays.Count == 0, "files no message references: " + string.Join(", ", strays.Take(5)));
    }

    /// <summary>The body files the messages of these mailboxes reference.</summary>
    public static async Task<HashSet<string>> BodiesOfAsync(EngineHost engine, IEnumerable<MailboxAccount> accounts)
    {
        var referenced = new HashSet<string>();
        foreach (var account in accounts)
            foreach (var folder in await engine.Store.ListFoldersAsync(account.Id))
                foreach (var m in await engine.Store.ListMessagesAsync(folder.Id))
                    referenced.Add(m.BodyPath);
        return referenced;
    }
}
