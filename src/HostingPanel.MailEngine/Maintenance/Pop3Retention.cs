using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Maintenance;

/// <summary>
/// pop3RetentionDays: messages of INBOX first retrieved by POP3 more than that many days ago are
/// removed (0 keeps them). Applied at POP3 login and by <see cref="MailMaintenanceService"/>.
/// </summary>
public sealed class Pop3Retention(EngineDatabase db, MailStore store, TimeProvider time)
{
    public async Task<int> ApplyAsync(long mailboxId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var due = await db.ReadAsync(c => c.QueryAsync(null, """
            SELECT f.id, msg.uid FROM mailboxes m
            JOIN folders f ON f.mailbox_id = m.id AND f.name = 'INBOX'
            JOIN messages msg ON msg.folder_id = f.id
            WHERE m.id = @m AND m.pop3_retention_days > 0 AND msg.pop3_retrieved_at IS NOT NULL
              AND msg.pop3_retrieved_at + m.pop3_retention_days * 86400000 <= @now
            """, r => (r.Long(0), r.Long(1)), ("@m", mailboxId), ("@now", now)), ct);
        if (due.Count == 0)
            return 0;
        var removed = await store.ExpungeAsync(due[0].Item1, due.Select(d => d.Item2).ToList(), onlyDeleted: false, ct: ct);
        return removed.Count;
    }

    public async Task<int> ApplyAllAsync(CancellationToken ct = default)
    {
        var mailboxes = await db.ReadAsync(c => c.QueryAsync(null,
            "SELECT id FROM mailboxes WHERE pop3_retention_days > 0", r => r.Long(0)), ct);
        var total = 0;
        foreach (var id in mailboxes)
            total += await ApplyAsync(id, ct);
        return total;
    }
}
