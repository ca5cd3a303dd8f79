using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Admin;

/// <summary><see cref="IMailboxActivityAdmin"/> over <c>mailbox_logins</c>, <c>pop3_removals</c> and the messages' first POP3 retrieval.</summary>
public sealed class MailboxActivityAdmin(EngineDatabase db, LoginActivity logins, TimeProvider time) : IMailboxActivityAdmin
{
    /// <summary>Kept mail younger than this may still be deleted by a client set to "remove after a week".</summary>
    public static readonly TimeSpan KeeperMinimumAge = TimeSpan.FromDays(7);

    /// <summary>How far back removals count (shown, and a recent one means the program does delete).</summary>
    public static readonly TimeSpan RemovalWindow = TimeSpan.FromDays(30);

    /// <summary>Domain names per IN list: a reseller's scope can hold thousands.</summary>
    private const int DomainsPerQuery = 500;

    public async Task<MailboxActivity?> GetActivityAsync(string address, CancellationToken ct = default)
    {
        if (MailDirectory.NormalizeAddress(address) is not { } normalized)
            return null;
        // Logins noted in memory on this node are written first, so what is read is current.
        await logins.FlushAsync(ct);
        var since = (time.GetUtcNow() - RemovalWindow).ToUnixTimeMilliseconds();
        return await db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync(null, """
                SELECT id, address, used_bytes, quota_bytes, imap_enabled, pop3_enabled, pop3_retention_days
                FROM mailboxes WHERE address = @a AND removed_at IS NULL
                """, r => (Id: r.Long(0), Address: r.GetString(1), Used: r.Long(2), Quota: r.Long(3), Imap: r.Long(4) != 0, Pop3: r.Long(5) != 0,
                    Retention: (int)r.Long(6)), ("@a", normalized));
            if (rows.Count == 0)
                return null;
            var m = rows[0];
            var last = (await c.QueryAsync(null, "SELECT protocol, last_at FROM mailbox_logins WHERE mailbox_id = @m",
                r => (Protocol: r.GetString(0), At: DateTimeOffset.FromUnixTimeMilliseconds(r.Long(1))), ("@m", m.Id)))
                .ToDictionary(l => l.Protocol, l => l.At, StringComparer.Ordinal);
            // The (mailbox_id, size) index narrows to the mailbox's rows.
            var kept = (await c.QueryAsync(null, """
                SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(pop3_retrieved_at) FROM messages
                WHERE mailbox_id = @m AND pop3_retrieved_at IS NOT NULL
                """, r => new Pop3KeptMail(r.Long(0), r.Long(1), ToTime(r.LongOrNull(2))), ("@m", m.Id)))[0];
            var removed = (await c.QueryAsync(null, """
                SELECT COALESCE(SUM(messages), 0), COALESCE(SUM(bytes), 0), MAX(removed_at) FROM pop3_removals
                WHERE mailbox_id = @m AND removed_at >= @s
                """, r => new Pop3RemovedMail(r.Long(0), r.Long(1), ToTime(r.LongOrNull(2))), ("@m", m.Id), ("@s", since)))[0];
            return new MailboxActivity(m.Address, m.Used, m.Quota, m.Imap, m.Pop3, m.Retention, last, kept, removed);
        }, ct);
    }

    public async Task<IReadOnlyList<Pop3Keeper>> ListPop3KeepersAsync(IReadOnlyCollection<string>? domains, CancellationToken ct = default)
    {
        await logins.FlushAsync(ct);
        var now = time.GetUtcNow();
        var oldEnough = (now - KeeperMinimumAge).ToUnixTimeMilliseconds();
        var removedSince = (now - RemovalWindow).ToUnixTimeMilliseconds();
        var batches = domains is null ? [null] : domains.Select(d => d.ToLowerInvariant()).Distinct().Chunk(DomainsPerQuery).Select(b => b.ToList()).ToList<List<string>?>();
        var result = new List<Pop3Keeper>();
        foreach (var batch in batches)
        {
            if (batch is { Count: 0 })
                continue;
            var parameters = new List<(string, object?)> { ("@old", oldEnough), ("@since", removedSince) };
            var domainFilter = "";
            if (batch is not null)
            {
                domainFilter = " AND d.name IN (" + string.Join(", ", batch.Select((_, i) => "@d" + i)) + ")";
                parameters.AddRange(batch.Select((name, i) => ("@d" + i, (object?)name)));
            }
            result.AddRange(await db.ReadAsync(c => c.QueryAsync(null, $"""
                SELECT mb.address, mb.used_bytes, mb.quota_bytes, k.messages, k.bytes, k.oldest,
                       (SELECT l.last_at FROM mailbox_logins l WHERE l.mailbox_id = mb.id AND l.protocol = 'pop3')
                FROM (SELECT mailbox_id, COUNT(*) AS messages, SUM(size) AS bytes, MIN(pop3_retrieved_at) AS oldest
                      FROM messages WHERE pop3_retrieved_at IS NOT NULL GROUP BY mailbox_id) k
                JOIN mailboxes mb ON mb.id = k.mailbox_id
                JOIN domains d ON d.id = mb.domain_id
                WHERE mb.removed_at IS NULL AND mb.pop3_retention_days = 0 AND k.oldest <= @old{domainFilter}
                  AND NOT EXISTS (SELECT 1 FROM pop3_removals p WHERE p.mailbox_id = mb.id AND p.removed_at >= @since)
                """, r => new Pop3Keeper(r.GetString(0), r.Long(1), r.Long(2), r.Long(3), r.Long(4),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.Long(5)), ToTime(r.LongOrNull(6))), [.. parameters]), ct));
        }
        return result.OrderBy(k => k.Address, StringComparer.Ordinal).ToList();
    }

    private static DateTimeOffset? ToTime(long? ms) => ms is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null;
}
