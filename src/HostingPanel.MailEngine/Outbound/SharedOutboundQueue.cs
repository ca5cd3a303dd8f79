using System.Data.Common;
using System.Text.Json;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Outbound;

/// <summary>
/// The outbound queue in the engine's PostgreSQL database (table <c>outbound_queue</c>), shared by every mail node:
/// any node's submission or forward is queued there before its 250, and every node's worker sends from it.
/// An entry is claimed with <c>FOR UPDATE SKIP LOCKED</c> and a lease (<c>Mail:Queue:ClaimLease</c>): two nodes never claim
/// the same entry, and an entry whose node died mid-attempt is taken up by another once the lease has run out,
/// so queued mail is not lost with a node (it may leave twice only if the node died between the next hop's 250 and
/// recording it, which SMTP cannot rule out: RFC 5321 section 6.1).
/// </summary>
internal sealed class SharedOutboundQueue(EngineDatabase db, JsonSerializerOptions json, TimeSpan lease)
{
    /// <summary>Mail:Queue:ClaimLease: longer than one attempt can take (connection and data timeouts to every MX of every recipient).</summary>
    private TimeSpan Lease { get; } = lease > TimeSpan.Zero ? lease : TimeSpan.FromMinutes(15);

    /// <summary>At most this many entries are claimed per pass; the worker comes back at once while more are due.</summary>
    private const int ClaimBatch = 100;

    /// <summary>This process; a claim names it so that its own expired claims are not mistaken for another node's.</summary>
    private readonly string _node = Environment.MachineName + "/" + Guid.NewGuid().ToString("N")[..12];

    public async Task InsertAsync(QueuedMessage entry, byte[] message, CancellationToken ct) =>
        await db.WriteAsync(async (c, tx) => await c.ExecAsync(tx,
            "INSERT INTO outbound_queue (id, entry, message, submitted_by, created_at, next_attempt_at) VALUES (@id, @e, @m, @s, @c, @n) ON CONFLICT (id) DO NOTHING",
            ("@id", entry.Id), ("@e", Serialize(entry)), ("@m", message), ("@s", entry.SubmittedBy),
            ("@c", entry.CreatedAt.ToUnixTimeMilliseconds()), ("@n", entry.NextAttemptAt.ToUnixTimeMilliseconds())), ct);

    /// <summary>Every entry (the admin's list); the columns, not the stored JSON, say when the next attempt is.</summary>
    public Task<List<QueuedMessage>> ListAsync(CancellationToken ct) =>
        db.ReadAsync(c => c.QueryAsync(null, "SELECT entry, next_attempt_at FROM outbound_queue", Read), ct);

    public Task<QueueStatistics> StatisticsAsync(CancellationToken ct) =>
        db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync(null, "SELECT COUNT(*), MIN(created_at) FROM outbound_queue",
                r => (Count: r.Long(0), Oldest: r.LongOrNull(1)));
            var (count, oldest) = rows[0];
            return count == 0 ? QueueStatistics.Empty : new QueueStatistics((int)count, DateTimeOffset.FromUnixTimeMilliseconds(oldest!.Value));
        }, ct);

    public async Task<bool> RetryNowAsync(string id, DateTimeOffset now, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, "UPDATE outbound_queue SET next_attempt_at = @n WHERE id = @id",
            ("@n", now.ToUnixTimeMilliseconds()), ("@id", id)), ct) > 0;

    public async Task<bool> DeleteAsync(string id, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, "DELETE FROM outbound_queue WHERE id = @id", ("@id", id)), ct) > 0;

    /// <summary>The message of an entry, or null when the entry is gone.</summary>
    public async Task<byte[]?> ReadMessageAsync(string id, CancellationToken ct)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT message FROM outbound_queue WHERE id = @id", r => (byte[])r.GetValue(0), ("@id", id)), ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Claims due entries for this node: due, and not under another node's running lease. The inner SELECT skips rows
    /// another node is claiming in the same instant (SKIP LOCKED), so each entry goes to one node.
    /// </summary>
    public Task<List<QueuedMessage>> ClaimDueAsync(DateTimeOffset now, CancellationToken ct)
    {
        var at = now.ToUnixTimeMilliseconds();
        return db.WriteAsync((c, tx) => c.QueryAsync(tx, """
            UPDATE outbound_queue SET claimed_by = @node, claimed_until = @until
            WHERE id IN (
                SELECT id FROM outbound_queue
                WHERE next_attempt_at <= @now AND (claimed_until IS NULL OR claimed_until < @now OR claimed_by = @node)
                ORDER BY next_attempt_at
                LIMIT @batch
                FOR UPDATE SKIP LOCKED)
            RETURNING entry, next_attempt_at
            """, Read, ("@node", _node), ("@until", (now + Lease).ToUnixTimeMilliseconds()), ("@now", at), ("@batch", ClaimBatch)), ct);
    }

    /// <summary>Gives claimed entries back unsent (their mailbox's sending is held): another node may take them at once.</summary>
    public async Task UnclaimAsync(IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
            return;
        await db.WriteAsync(async (c, tx) =>
        {
            foreach (var id in ids)
                await c.ExecAsync(tx, "UPDATE outbound_queue SET claimed_by = NULL, claimed_until = NULL WHERE id = @id AND claimed_by = @node",
                    ("@id", id), ("@node", _node));
            return 0;
        }, ct);
    }

    /// <summary>
    /// When the next entry this node may claim is due, and for whom it was submitted (the worker leaves held senders
    /// out). Reads the soonest few hundred only: a queue of held mail larger than that is polled at the poll interval.
    /// </summary>
    public Task<List<(DateTimeOffset NextAttemptAt, string? SubmittedBy)>> UpcomingAsync(DateTimeOffset now, CancellationToken ct) =>
        db.ReadAsync(c => c.QueryAsync(null, """
            SELECT next_attempt_at, submitted_by FROM outbound_queue
            WHERE claimed_until IS NULL OR claimed_until < @now OR claimed_by = @node
            ORDER BY next_attempt_at LIMIT 500
            """, r => (DateTimeOffset.FromUnixTimeMilliseconds(r.Long(0)), r.StringOrNull(1)), ("@now", now.ToUnixTimeMilliseconds()), ("@node", _node)), ct);

    /// <summary>Records an attempt and ends the claim; removes the entry when no recipient is pending. False when it was deleted meanwhile.</summary>
    public async Task<bool> UpdateAsync(QueuedMessage updated, bool finished, CancellationToken ct) =>
        await db.WriteAsync((c, tx) => finished
            ? c.ExecAsync(tx, "DELETE FROM outbound_queue WHERE id = @id", ("@id", updated.Id))
            : c.ExecAsync(tx, "UPDATE outbound_queue SET entry = @e, next_attempt_at = @n, claimed_by = NULL, claimed_until = NULL WHERE id = @id",
                ("@e", Serialize(updated)), ("@n", updated.NextAttemptAt.ToUnixTimeMilliseconds()), ("@id", updated.Id)), ct) > 0;

    private string Serialize(QueuedMessage entry) => JsonSerializer.Serialize(entry, json);

    private QueuedMessage Read(DbDataReader r) =>
        JsonSerializer.Deserialize<QueuedMessage>(r.GetString(0), json)! with { NextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(r.Long(1)) };
}
