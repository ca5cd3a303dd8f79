using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Transfer;

/// <summary>What an import did.</summary>
public sealed record ImportReport(int Imported, long Bytes, int Duplicates, int Failed, bool StoppedAtQuota, IReadOnlyList<string> Folders, IReadOnlyList<string> Errors);

/// <summary>
/// Puts messages from an export file into a mailbox, merging: folders are created as needed, a message already in its
/// folder (same <see cref="MessageKey"/>) is skipped, and the import stops cleanly at the first message that does not
/// fit the quota (nothing is ever stored past it: the store's reservation decides).
/// </summary>
public static class MailboxImporter
{
    private const int MaxErrors = 100;

    public static async Task<ImportReport> ImportAsync(IMailboxTransfer transfer, long mailboxId, IAsyncEnumerable<ImportedMessage> messages,
        List<string> errors, CancellationToken ct)
    {
        var folders = new Dictionary<string, string?>(StringComparer.Ordinal);
        var keys = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        int imported = 0, duplicates = 0, failed = 0;
        long bytes = 0;
        var stopped = false;
        void Error(string e) { if (errors.Count < MaxErrors) errors.Add(e); }

        await foreach (var m in messages.WithCancellation(ct))
        {
            if (!folders.TryGetValue(m.Folder, out var target))
                folders[m.Folder] = target = await transfer.EnsureFolderAsync(mailboxId, m.Folder, null, ct);
            if (target is null) { failed++; Error($"\"{m.Folder}\" cannot be a folder here: a message skipped."); continue; }
            if (!keys.TryGetValue(target, out var existing)) keys[target] = existing = await transfer.ExistingKeysAsync(mailboxId, target, ct);

            var date = m.InternalDate ?? DateTimeOffset.UtcNow;
            var key = MessageKey.Of(MessageKey.MessageIdIn(HeadOf(m.Body)), date, m.Body.Length);
            if (!existing.Add(key)) { duplicates++; continue; }
            using var body = new MemoryStream(m.Body, writable: false);
            var result = await transfer.AppendAsync(mailboxId, target, body, m.Flags, m.Keywords, date, ct);
            switch (result.Status)
            {
                case StoreStatus.Ok: imported++; bytes += m.Body.Length; break;
                case StoreStatus.OverQuota: stopped = true; Error("The mailbox is full: the import stopped here."); break;
                default: failed++; Error($"A message in \"{m.Folder}\" was not stored ({result.Status})."); break;
            }
            if (stopped) break;
        }
        return new ImportReport(imported, bytes, duplicates, failed, stopped, folders.Values.OfType<string>().Distinct().Order().ToList(), errors);
    }

    /// <summary>The header block of a message (up to its blank line), or its first 64 KiB.</summary>
    private static ReadOnlySpan<byte> HeadOf(byte[] body)
    {
        var end = body.AsSpan().IndexOf("\r\n\r\n"u8);
        return body.AsSpan(0, end >= 0 ? end + 4 : Math.Min(body.Length, 64 * 1024));
    }
}
