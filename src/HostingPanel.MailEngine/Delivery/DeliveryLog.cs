using System.Text;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Delivery;

/// <param name="Address">Lines whose sender or recipient is this address (exact, case-insensitive).</param>
/// <param name="MessageId">Lines of this Message-ID, with or without angle brackets.</param>
/// <param name="Domains">Only lines belonging to these hosted domains (a tenant's scope); null: every line (staff).</param>
/// <param name="Reason">Only lines with this reason token (e.g. <c>dsn_suppressed</c>).</param>
/// <param name="RecipientOnly"><paramref name="Address"/> matches the recipient only, never the sender (which anyone on the
/// Internet may claim): a mailbox owner's own page.</param>
public sealed record DeliveryLogQuery(
    string? Address, string? MessageId, DateTimeOffset? Since, DateTimeOffset? Until, IReadOnlyCollection<string>? Domains, int Skip, int Take,
    string? Reason = null, bool RecipientOnly = false);

public sealed record DeliveryLogLine(
    long Id, DateTimeOffset Time, string Outcome, string Sender, string Recipient, string? MessageId, long Size, string? Client,
    string? Reason, string? Detail);

public sealed record DeliveryLogPage(IReadOnlyList<DeliveryLogLine> Items, long Total);

/// <summary>The delivery log as the panel searches it (part of the engine's public surface).</summary>
public interface IDeliveryLog
{
    /// <summary>Newest first.</summary>
    Task<DeliveryLogPage> SearchAsync(DeliveryLogQuery query, CancellationToken ct = default);
}

public sealed class DeliveryLog(EngineDatabase db) : IDeliveryLog
{
    public async Task<DeliveryLogPage> SearchAsync(DeliveryLogQuery query, CancellationToken ct = default)
    {
        if (query.Domains is { Count: 0 })
            return new DeliveryLogPage([], 0);
        var where = new StringBuilder("1=1");
        var parameters = new List<(string, object?)>();
        if (!string.IsNullOrWhiteSpace(query.Address))
        {
            where.Append(query.RecipientOnly ? " AND recipient = @address" : " AND (recipient = @address OR sender = @address)");
            parameters.Add(("@address", query.Address.Trim().ToLowerInvariant()));
        }
        if (query.Reason is { } reason)
        {
            where.Append(" AND reason = @reason");
            parameters.Add(("@reason", reason));
        }
        if (DeliveryLogText.MessageId(query.MessageId) is { } messageId)
        {
            where.Append(" AND message_id = @mid");
            parameters.Add(("@mid", messageId));
        }
        if (query.Since is { } since)
        {
            where.Append(" AND time >= @since");
            parameters.Add(("@since", since.ToUnixTimeMilliseconds()));
        }
        if (query.Until is { } until)
        {
            where.Append(" AND time <= @until");
            parameters.Add(("@until", until.ToUnixTimeMilliseconds()));
        }
        if (query.Domains is { } domains)
        {
            var names = domains.Select(d => d.ToLowerInvariant()).Distinct().ToList();
            where.Append(" AND local_domain IN (").Append(string.Join(", ", names.Select((_, i) => "@d" + i))).Append(')');
            parameters.AddRange(names.Select((d, i) => ("@d" + i, (object?)d)));
        }
        var filter = where.ToString();
        var args = parameters.ToArray();
        return await db.ReadAsync(async c =>
        {
            var total = await c.ScalarAsync(null, $"SELECT COUNT(*) FROM delivery_log WHERE {filter}", args) ?? 0;
            var items = await c.QueryAsync(null,
                $"""
                SELECT id, time, outcome, sender, recipient, message_id, size, client, reason, detail FROM delivery_log
                WHERE {filter} ORDER BY time DESC, id DESC LIMIT {Math.Clamp(query.Take, 0, 1000)} OFFSET {Math.Max(0, query.Skip)}
                """,
                r => new DeliveryLogLine(r.Long(0), DateTimeOffset.FromUnixTimeMilliseconds(r.Long(1)), r.GetString(2), r.GetString(3), r.GetString(4),
                    r.StringOrNull(5), r.Long(6), r.StringOrNull(7), r.StringOrNull(8), r.StringOrNull(9)), args);
            return new DeliveryLogPage(items, total);
        }, ct);
    }
}
