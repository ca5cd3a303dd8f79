using System.Data.Common;
using System.Globalization;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Directory;

public enum RecipientStatus
{
    /// <summary>At least one local mailbox or external destination.</summary>
    Ok,
    /// <summary>Hosted domain, but no such mailbox or alias (550 5.1.1).</summary>
    Unknown,
    /// <summary>The mailbox exists but is suspended or removed (550 5.2.1).</summary>
    Disabled,
    /// <summary>Not a hosted domain: relaying (554/550 5.7.1).</summary>
    NotHosted,
}

public sealed record LocalRecipient(long MailboxId, string Address);

/// <summary>Where mail for one address goes: local mailboxes (each once) and external addresses to relay to.</summary>
public sealed record RecipientResolution(RecipientStatus Status, IReadOnlyList<LocalRecipient> Mailboxes, IReadOnlyList<string> External);

/// <summary>Reads the engine's directory: mailboxes, domains, aliases, forwards.</summary>
public sealed class MailDirectory(EngineDatabase db)
{
    /// <summary>Expansion limits: nesting depth and total addresses visited.</summary>
    private const int MaxDepth = 10;
    private const int MaxAddresses = 1000;

    private const string AccountColumns = """
        m.id, m.address, m.password_hash, m.quota_bytes, m.used_bytes, m.message_count, m.enabled, m.imap_enabled, m.pop3_enabled,
        m.pop3_retention_days, m.display_name,
        CASE WHEN m.enabled = 1 AND m.removed_at IS NULL AND d.removed_at IS NULL THEN 1 ELSE 0 END
        """;

    /// <summary>Lower case, IDN domain in A-label form; null when it is not an address (see <see cref="AddressNormalizer"/>).</summary>
    public static string? NormalizeAddress(string address) => AddressNormalizer.Normalize(address);

    public async Task<MailboxAccount?> FindMailboxAsync(string address, CancellationToken ct = default)
    {
        var normalized = NormalizeAddress(address);
        if (normalized is null)
            return null;
        var list = await db.ReadAsync(c => c.QueryAsync(null,
            $"SELECT {AccountColumns} FROM mailboxes m JOIN domains d ON d.id = m.domain_id WHERE m.address = @a", ReadAccount, ("@a", normalized)), ct);
        return list.FirstOrDefault();
    }

    public async Task<MailboxAccount?> FindMailboxByIdAsync(long id, CancellationToken ct = default)
    {
        var list = await db.ReadAsync(c => c.QueryAsync(null,
            $"SELECT {AccountColumns} FROM mailboxes m JOIN domains d ON d.id = m.domain_id WHERE m.id = @id", ReadAccount, ("@id", id)), ct);
        return list.FirstOrDefault();
    }

    public async Task<bool> IsHostedDomainAsync(string domain, CancellationToken ct = default)
    {
        var normalized = AddressNormalizer.NormalizeDomain(domain);
        if (normalized is null)
            return false;
        return await db.ReadAsync(c => c.ScalarAsync(null, "SELECT 1 FROM domains WHERE name = @n AND removed_at IS NULL", ("@n", normalized)), ct) is not null;
    }

    /// <summary>
    /// Expands an address through aliases (nested), forwards and the domain's catch-all <c>*</c>,
    /// visiting each address once, so duplicates collapse and loops end.
    /// </summary>
    public Task<RecipientResolution> ResolveRecipientAsync(string address, CancellationToken ct = default) =>
        ResolveAsync(address, senderCheck: false, ct);

    /// <summary>The same expansion, telling each address visited and what it was (the routing check).</summary>
    public Task<RecipientResolution> TraceRecipientAsync(string address, Action<RouteStep> trace, CancellationToken ct = default) =>
        ResolveAsync(address, senderCheck: false, ct, trace);

    /// <summary>
    /// Whether <paramref name="address"/> is the mailbox's own address or an alias that reaches it: who
    /// may send as what (SMTP submission). Neither the catch-all nor another mailbox's forwarding counts.
    /// </summary>
    public async Task<bool> IsOwnedByAsync(long mailboxId, string address, CancellationToken ct = default)
    {
        var own = await FindMailboxAsync(address, ct);
        if (own is not null)
            return own.Id == mailboxId;
        var resolution = await ResolveAsync(address, senderCheck: true, ct);
        return resolution.Mailboxes.Any(m => m.MailboxId == mailboxId);
    }

    private async Task<RecipientResolution> ResolveAsync(string address, bool senderCheck, CancellationToken ct, Action<RouteStep>? trace = null)
    {
        var start = NormalizeAddress(address);
        if (start is null)
            return new RecipientResolution(RecipientStatus.Unknown, [], []);
        return await db.ReadAsync(async c =>
        {
            if (!await DomainHostedAsync(c, DomainOf(start)))
                return new RecipientResolution(RecipientStatus.NotHosted, [], []);
            var mailboxes = new List<LocalRecipient>();
            var external = new List<string>();
            var visited = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<(string Address, int Depth, string? Via)>();
            queue.Enqueue((start, 0, null));
            visited.Add(start);
            var startStatus = RecipientStatus.Unknown;
            while (queue.Count > 0)
            {
                var (current, depth, via) = queue.Dequeue();
                var isStart = current == start;
                var domain = DomainOf(current);
                if (!await DomainHostedAsync(c, domain))
                {
                    external.Add(current);
                    trace?.Invoke(new RouteStep(current, depth, via, RouteStepKind.External, [], null));
                    continue;
                }
                var accounts = await c.QueryAsync(null, $"SELECT {AccountColumns}, m.keep_copy FROM mailboxes m JOIN domains d ON d.id = m.domain_id WHERE m.address = @a",
                    r => (Account: ReadAccount(r), KeepCopy: r.Bool(12)), ("@a", current));
                List<string> next;
                if (accounts.Count == 1)
                {
                    var (account, keepCopy) = accounts[0];
                    if (!account.Active)
                    {
                        if (isStart)
                            startStatus = RecipientStatus.Disabled;
                        trace?.Invoke(new RouteStep(current, depth, via, RouteStepKind.DisabledMailbox, [], account));
                        continue;
                    }
                    next = senderCheck ? [] : await c.QueryAsync(null, "SELECT destination FROM mailbox_forwards WHERE mailbox_id = @m", r => r.GetString(0), ("@m", account.Id));
                    var stored = next.Count == 0 || keepCopy;
                    if (stored)
                        mailboxes.Add(new LocalRecipient(account.Id, account.Address));
                    trace?.Invoke(new RouteStep(current, depth, via, stored ? RouteStepKind.Mailbox : RouteStepKind.ForwardOnlyMailbox, next, account));
                }
                else
                {
                    next = await AliasDestinationsAsync(c, current);
                    var kind = RouteStepKind.Alias;
                    if (next.Count == 0 && !senderCheck)
                    {
                        var catchAll = "*@" + domain;
                        if (visited.Add(catchAll))
                            next = await AliasDestinationsAsync(c, catchAll);
                        kind = next.Count > 0 ? RouteStepKind.CatchAll : RouteStepKind.Unknown;
                    }
                    trace?.Invoke(new RouteStep(current, depth, via, kind, next, null));
                }
                if (depth >= MaxDepth)
                    continue;
                foreach (var destination in next)
                {
                    var normalized = NormalizeAddress(destination);
                    if (normalized is not null && visited.Count < MaxAddresses && visited.Add(normalized))
                        queue.Enqueue((normalized, depth + 1, current));
                }
            }
            var status = mailboxes.Count + external.Count > 0 ? RecipientStatus.Ok : startStatus;
            return new RecipientResolution(status, mailboxes, external);
        }, ct);
    }

    /// <summary>Whether the mailbox can take <paramref name="size"/> more bytes now (SMTP RCPT/SIZE check; the real reservation happens at delivery).</summary>
    public async Task<bool> HasRoomAsync(long mailboxId, long size, CancellationToken ct = default)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT used_bytes, quota_bytes FROM mailboxes WHERE id = @m",
            r => (r.Long(0), r.Long(1)), ("@m", mailboxId)), ct);
        if (rows.Count == 0)
            return false;
        var (used, quota) = rows[0];
        return quota == 0 || (size <= 0 ? used < quota : used + size <= quota);
    }

    private static async Task<bool> DomainHostedAsync(DbConnection c, string domain) =>
        await c.ScalarAsync(null, "SELECT 1 FROM domains WHERE name = @n AND removed_at IS NULL", ("@n", domain)) is not null;

    private static Task<List<string>> AliasDestinationsAsync(DbConnection c, string address) =>
        c.QueryAsync(null, "SELECT ad.destination FROM aliases a JOIN alias_destinations ad ON ad.alias_id = a.id WHERE a.address = @a ORDER BY ad.destination",
            r => r.GetString(0), ("@a", address));

    public static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..];

    internal static MailboxAccount ReadAccount(DbDataReader r) =>
        new(r.Long(0), r.GetString(1), r.GetString(2), r.Long(3), r.Long(4), r.Long(5), r.Bool(6), r.Bool(7), r.Bool(8), (int)r.Long(9),
            r.StringOrNull(10), r.Bool(11));
}
