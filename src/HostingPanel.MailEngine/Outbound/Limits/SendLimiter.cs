using System.Data.Common;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Outbound.Limits;

/// <summary>A mailbox whose sending is held: its submissions get 451 4.7.1 and its queued mail waits, until staff release it.</summary>
public sealed record SendingHold(string Address, string Reason, DateTimeOffset HeldAt);

/// <summary>The verdict on one submission: allowed (and counted), or refused with the reason for the 451 reply.</summary>
public sealed record SendLimitVerdict(bool Allowed, string? Reason)
{
    public static readonly SendLimitVerdict Ok = new(true, null);
}

/// <summary>Outbound abuse limits as staff see and release them (engine surface).</summary>
public interface ISendingHolds
{
    /// <summary>Every held mailbox, longest held first.</summary>
    Task<IReadOnlyList<SendingHold>> ListAsync(CancellationToken ct = default);

    /// <summary>The hold of one mailbox, or null.</summary>
    Task<SendingHold?> GetAsync(string address, CancellationToken ct = default);

    /// <summary>Lets the mailbox send again (its hour starts afresh) and its queued mail leave; false when it was not held.</summary>
    Task<bool> ReleaseAsync(string address, CancellationToken ct = default);
}

/// <summary>
/// Messages and recipients per sliding hour, per mailbox and per domain, counted in the engine's tables so that every
/// node sees the same numbers. Past a mailbox limit the mailbox is held (a stolen password stops at the limit and stays
/// stopped until someone looks); past a domain limit every mailbox of the domain is refused until the hour slides on.
/// </summary>
public sealed class SendLimiter(EngineDatabase db, OutboundQueue queue, IOptions<SendLimitOptions> options, TimeProvider time, ILogger<SendLimiter> logger)
    : ISendingHolds
{
    private readonly SendLimitOptions _options = options.Value;

    /// <summary>
    /// Checks and counts one message that <paramref name="mailboxId"/> sends to <paramref name="recipients"/> outside
    /// addresses, in one transaction (serialized per domain on PostgreSQL, as every SQLite write is), so concurrent
    /// submissions cannot together pass a limit.
    /// </summary>
    public async Task<SendLimitVerdict> TryCountAsync(long mailboxId, string address, int recipients, CancellationToken ct = default)
    {
        if (recipients <= 0)
            return await GetAsync(address, ct) is { } held ? new SendLimitVerdict(false, HeldText(held)) : SendLimitVerdict.Ok;
        var domain = MailDirectory.DomainOf(address);
        var now = time.GetUtcNow();
        var since = (now - TimeSpan.FromHours(1)).ToUnixTimeMilliseconds();
        var verdict = await db.WriteAsync(async (c, tx) =>
        {
            if (!db.IsSqlite)
                await c.ExecAsync(tx, "SELECT pg_advisory_xact_lock(hashtext(@d))", ("@d", "send:" + domain));
            var hold = await ReadHoldAsync(c, tx, mailboxId);
            if (hold is not null)
                return new SendLimitVerdict(false, HeldText(hold));
            var (mailboxMessages, mailboxRecipients) = await CountAsync(c, tx, "mailbox_id = @k", mailboxId, since);
            string? mailboxReason = null;
            if (_options.MessagesPerHourPerMailbox > 0 && mailboxMessages + 1 > _options.MessagesPerHourPerMailbox)
                mailboxReason = $"{_options.MessagesPerHourPerMailbox} messages per hour";
            else if (_options.RecipientsPerHourPerMailbox > 0 && mailboxRecipients + recipients > _options.RecipientsPerHourPerMailbox)
                mailboxReason = $"{_options.RecipientsPerHourPerMailbox} outside recipients per hour";
            if (mailboxReason is not null)
            {
                var reason = $"sending limit of {mailboxReason} reached";
                await c.ExecAsync(tx, "INSERT INTO send_holds (mailbox_id, address, reason, held_at) VALUES (@m, @a, @r, @t) ON CONFLICT (mailbox_id) DO NOTHING",
                    ("@m", mailboxId), ("@a", address), ("@r", reason), ("@t", now.ToUnixTimeMilliseconds()));
                logger.LogWarning("Sending of {Address} held: {Reason}", address, reason);
                return new SendLimitVerdict(false, $"{reason}; sending of <{address}> is held until the provider releases it");
            }
            var (domainMessages, domainRecipients) = await CountAsync(c, tx, "domain = @k", domain, since);
            if (_options.MessagesPerHourPerDomain > 0 && domainMessages + 1 > _options.MessagesPerHourPerDomain)
                return new SendLimitVerdict(false, $"domain {domain} reached its sending limit of {_options.MessagesPerHourPerDomain} messages per hour; try again later");
            if (_options.RecipientsPerHourPerDomain > 0 && domainRecipients + recipients > _options.RecipientsPerHourPerDomain)
                return new SendLimitVerdict(false, $"domain {domain} reached its sending limit of {_options.RecipientsPerHourPerDomain} outside recipients per hour; try again later");
            await c.ExecAsync(tx, "INSERT INTO send_counts (mailbox_id, domain, recipients, sent_at) VALUES (@m, @d, @n, @t)",
                ("@m", mailboxId), ("@d", domain), ("@n", recipients), ("@t", now.ToUnixTimeMilliseconds()));
            // Rows older than the window are of no use: trimmed as we go (per domain, bounded by the window's traffic).
            await c.ExecAsync(tx, "DELETE FROM send_counts WHERE domain = @d AND sent_at < @s", ("@d", domain), ("@s", since));
            return SendLimitVerdict.Ok;
        }, ct);
        return verdict;
    }

    /// <summary>Whether the mailbox is held now (MAIL FROM on submission answers 451 at once then).</summary>
    public async Task<string?> HeldReasonAsync(long mailboxId, CancellationToken ct = default)
    {
        var hold = await db.ReadAsync(c => ReadHoldAsync(c, null, mailboxId), ct);
        return hold is null ? null : HeldText(hold);
    }

    /// <summary>The held senders' addresses: their queued mail waits (the outbound worker skips it).</summary>
    public async Task<IReadOnlySet<string>> HeldAddressesAsync(CancellationToken ct = default) =>
        (await db.ReadAsync(c => c.QueryAsync(null, "SELECT address FROM send_holds", r => r.GetString(0)), ct)).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public async Task<IReadOnlyList<SendingHold>> ListAsync(CancellationToken ct = default) =>
        await db.ReadAsync(c => c.QueryAsync(null, "SELECT address, reason, held_at FROM send_holds ORDER BY held_at, address", ReadHold), ct);

    public async Task<SendingHold?> GetAsync(string address, CancellationToken ct = default)
    {
        var normalized = MailDirectory.NormalizeAddress(address);
        if (normalized is null)
            return null;
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT address, reason, held_at FROM send_holds WHERE address = @a", ReadHold, ("@a", normalized)), ct);
        return rows.FirstOrDefault();
    }

    public async Task<bool> ReleaseAsync(string address, CancellationToken ct = default)
    {
        var normalized = MailDirectory.NormalizeAddress(address);
        if (normalized is null)
            return false;
        var released = await db.WriteAsync(async (c, tx) =>
        {
            var ids = await c.QueryAsync(tx, "SELECT mailbox_id FROM send_holds WHERE address = @a", r => r.Long(0), ("@a", normalized));
            if (ids.Count == 0)
                return false;
            await c.ExecAsync(tx, "DELETE FROM send_holds WHERE mailbox_id = @m", ("@m", ids[0]));
            // The hour starts afresh: otherwise the next message would hold it again at once.
            await c.ExecAsync(tx, "DELETE FROM send_counts WHERE mailbox_id = @m", ("@m", ids[0]));
            return true;
        }, ct);
        if (released)
        {
            logger.LogInformation("Sending of {Address} released", normalized);
            queue.Wakeup.Release(); // its waiting mail leaves now
        }
        return released;
    }

    private static async Task<(long Messages, long Recipients)> CountAsync(DbConnection c, DbTransaction tx, string where, object key, long since)
    {
        var rows = await c.QueryAsync(tx, $"SELECT COUNT(*), COALESCE(SUM(recipients), 0) FROM send_counts WHERE {where} AND sent_at >= @s",
            r => (r.Long(0), r.Long(1)), ("@k", key), ("@s", since));
        return rows[0];
    }

    private static async Task<SendingHold?> ReadHoldAsync(DbConnection c, DbTransaction? tx, long mailboxId) =>
        (await c.QueryAsync(tx, "SELECT address, reason, held_at FROM send_holds WHERE mailbox_id = @m", ReadHold, ("@m", mailboxId))).FirstOrDefault();

    private static SendingHold ReadHold(DbDataReader r) => new(r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.Long(2)));

    private static string HeldText(SendingHold hold) =>
        $"sending of <{hold.Address}> is held since {hold.HeldAt:yyyy-MM-dd HH:mm} UTC ({hold.Reason}) until the provider releases it";
}
