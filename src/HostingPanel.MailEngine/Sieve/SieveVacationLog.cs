using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>Which senders got which vacation reply until when (RFC 5230 section 4.2), in the engine's tables so every node sees it.</summary>
public sealed class SieveVacationLog(EngineDatabase db)
{
    /// <summary>
    /// True, and recorded until <paramref name="until"/>, when this sender has no unexpired reply for this handle;
    /// false when one was sent within the period. Atomic against concurrent deliveries of the same sender.
    /// </summary>
    public Task<bool> TryRecordAsync(long mailboxId, string sender, string handle, DateTimeOffset now, DateTimeOffset until, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var n = now.ToUnixTimeMilliseconds();
            await c.ExecAsync(tx, "DELETE FROM sieve_vacation_sent WHERE mailbox_id = @m AND expires_at <= @n", ("@m", mailboxId), ("@n", n));
            var changed = await c.ExecAsync(tx, """
                INSERT INTO sieve_vacation_sent (mailbox_id, sender, handle, expires_at) VALUES (@m, @s, @h, @u)
                ON CONFLICT (mailbox_id, sender, handle) DO NOTHING
                """, ("@m", mailboxId), ("@s", sender.ToLowerInvariant()), ("@h", handle), ("@u", until.ToUnixTimeMilliseconds()));
            return changed == 1;
        }, ct);

    /// <summary>Forgets every reply sent (a new out-of-office message starts afresh).</summary>
    public Task ResetAsync(long mailboxId, CancellationToken ct = default) =>
        db.WriteAsync((c, tx) => c.ExecAsync(tx, "DELETE FROM sieve_vacation_sent WHERE mailbox_id = @m", ("@m", mailboxId)), ct);
}
