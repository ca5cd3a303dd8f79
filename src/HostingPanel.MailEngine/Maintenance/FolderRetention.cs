using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Maintenance;

/// <summary>
/// Retention per folder: messages that arrived in a folder more than its retention days ago are removed
/// (the folder's own setting, else the mailbox's Trash/Junk default, 0 = never). Then Trash pays back any
/// overdraft: while the mailbox is over its quota (after COPY into Trash of a full mailbox), Trash's oldest
/// messages go. Each run that removes something is recorded in <c>retention_runs</c> (the usage history).
/// The clock is the engine's <see cref="TimeProvider"/>, so tests move time instead of waiting.
/// </summary>
public sealed class FolderRetention(EngineDatabase db, MailStore store, TimeProvider time)
{
    private const long DayMs = 86_400_000;

    public sealed record Outcome(long Messages, long Bytes);

    /// <summary>Applies retention to one mailbox; returns what it removed.</summary>
    public async Task<Outcome> ApplyAsync(long mailboxId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Counted from when the message came into the folder (saved_at; a COPY keeps the internal date of the
        // original, so "Trash empties itself after 30 days" would otherwise remove last year's mail at once).
        var due = await db.ReadAsync(c => c.QueryAsync(null, """
            SELECT f.id, msg.uid, msg.size FROM folders f
            JOIN mailboxes mb ON mb.id = f.mailbox_id
            JOIN messages msg ON msg.folder_id = f.id
            WHERE f.mailbox_id = @m
              AND COALESCE(f.retention_days, CASE WHEN f.special_use = @trash THEN mb.trash_retention_days
                                                  WHEN f.special_use = @junk THEN mb.junk_retention_days ELSE 0 END) > 0
              AND COALESCE(msg.saved_at, msg.internal_date) + COALESCE(f.retention_days, CASE WHEN f.special_use = @trash THEN mb.trash_retention_days
                                                  WHEN f.special_use = @junk THEN mb.junk_retention_days ELSE 0 END) * @day <= @now
            """, r => (Folder: r.Long(0), Uid: r.Long(1), Size: r.Long(2)),
            ("@m", mailboxId), ("@trash", MailStore.TrashSpecialUse), ("@junk", MailStore.JunkSpecialUse), ("@day", DayMs), ("@now", now)), ct);
        long messages = 0, bytes = 0;
        foreach (var folder in due.GroupBy(d => d.Folder))
        {
            var removed = (await store.ExpungeAsync(folder.Key, folder.Select(d => d.Uid).ToList(), onlyDeleted: false, ct: ct)).ToHashSet();
            messages += removed.Count;
            bytes += folder.Where(d => removed.Contains(d.Uid)).Sum(d => d.Size);
        }

        var overdraft = await ReclaimTrashOverdraftAsync(mailboxId, ct);
        messages += overdraft.Messages;
        bytes += overdraft.Bytes;
        if (messages > 0)
        {
            await db.WriteAsync((c, tx) => c.ExecAsync(tx, "INSERT INTO retention_runs (mailbox_id, ran_at, messages, bytes) VALUES (@m, @t, @n, @b)",
                ("@m", mailboxId), ("@t", now), ("@n", messages), ("@b", bytes)), ct);
        }
        return new Outcome(messages, bytes);
    }

    /// <summary>Removes Trash's oldest messages while the mailbox is over its quota.</summary>
    private async Task<Outcome> ReclaimTrashOverdraftAsync(long mailboxId, CancellationToken ct)
    {
        var state = await db.ReadAsync(c => c.QueryAsync(null, """
            SELECT mb.used_bytes - mb.quota_bytes, f.id FROM mailboxes mb JOIN folders f ON f.mailbox_id = mb.id AND f.special_use = @trash
            WHERE mb.id = @m AND mb.quota_bytes > 0 AND mb.used_bytes > mb.quota_bytes
            """, r => (Excess: r.Long(0), Trash: r.Long(1)), ("@m", mailboxId), ("@trash", MailStore.TrashSpecialUse)), ct);
        if (state.Count == 0)
            return new Outcome(0, 0);
        var (excess, trash) = state[0];
        var oldest = await db.ReadAsync(c => c.QueryAsync(null,
            "SELECT uid, size FROM messages WHERE folder_id = @f ORDER BY COALESCE(saved_at, internal_date), uid LIMIT 10000",
            r => (Uid: r.Long(0), Size: r.Long(1)), ("@f", trash)), ct);
        var pick = new List<long>();
        long freed = 0;
        foreach (var (uid, size) in oldest)
        {
            if (freed >= excess)
                break;
            pick.Add(uid);
            freed += size;
        }
        if (pick.Count == 0)
            return new Outcome(0, 0);
        var removed = (await store.ExpungeAsync(trash, pick, onlyDeleted: false, ct: ct)).ToHashSet();
        return new Outcome(removed.Count, oldest.Where(o => removed.Contains(o.Uid)).Sum(o => o.Size));
    }

    /// <summary>Every mailbox that has a retention to apply or an overdraft to pay back; returns the total removed.</summary>
    public async Task<Outcome> ApplyAllAsync(CancellationToken ct = default)
    {
        var mailboxes = await db.ReadAsync(c => c.QueryAsync(null, """
            SELECT id FROM mailboxes mb WHERE trash_retention_days > 0 OR junk_retention_days > 0
               OR (quota_bytes > 0 AND used_bytes > quota_bytes)
               OR EXISTS (SELECT 1 FROM folders f WHERE f.mailbox_id = mb.id AND f.retention_days > 0)
            """, r => r.Long(0)), ct);
        long messages = 0, bytes = 0;
        foreach (var id in mailboxes)
        {
            var outcome = await ApplyAsync(id, ct);
            messages += outcome.Messages;
            bytes += outcome.Bytes;
        }
        return new Outcome(messages, bytes);
    }
}
