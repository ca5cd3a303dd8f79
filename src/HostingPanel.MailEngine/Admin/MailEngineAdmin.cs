using System.Data.Common;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Admin;

/// <summary>
/// <see cref="IMailEngineAdmin"/> over the engine's tables. Every call states a desired state
/// (upserts, replace-all for relations), so the worker can replay it safely.
/// </summary>
public sealed class MailEngineAdmin(EngineDatabase db, MailStore store, TimeProvider time, Dkim.DkimKeyStore dkim) : IMailEngineAdmin
{
    public async Task EnsureDomainAsync(string domain, CancellationToken ct = default)
    {
        var name = NormalizeDomain(domain);
        await db.WriteAsync((c, tx) => EnsureDomainRowAsync(c, tx, name), ct);
        await dkim.EnsureKeysAsync(name, ct);
    }

    public async Task EnsureDomainAsync(DomainSpec spec, CancellationToken ct = default)
    {
        var name = NormalizeDomain(spec.Name);
        await db.WriteAsync(async (c, tx) =>
        {
            var id = await EnsureDomainRowAsync(c, tx, name);
            await c.ExecAsync(tx, "UPDATE domains SET owner = @o, verified = @v WHERE id = @id",
                ("@o", (object?)spec.Owner ?? DBNull.Value), ("@v", B(spec.Verified)), ("@id", id));
        }, ct);
        // A new domain gets its DKIM keys at once, so its records can be published before the first message leaves.
        await dkim.EnsureKeysAsync(name, ct);
    }

    public Task<IReadOnlyList<Dkim.DkimPublicKey>> GetDkimKeysAsync(string domain, CancellationToken ct = default) =>
        dkim.PublicKeysAsync(NormalizeDomain(domain), ct);

    public Task RotateDkimKeysAsync(string domain, CancellationToken ct = default) => dkim.RotateAsync(NormalizeDomain(domain), ct);

    public Task RemoveDomainAsync(string domain, DateTimeOffset purgeAfter, CancellationToken ct = default)
    {
        var name = NormalizeDomain(domain);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return WriteAndRevokeAsync(async (c, tx) =>
        {
            var id = await c.ScalarAsync(tx, "SELECT id FROM domains WHERE name = @n", ("@n", name));
            if (id is null)
                return [];
            var live = await c.QueryAsync(tx, "SELECT id FROM mailboxes WHERE domain_id = @id AND removed_at IS NULL", r => r.Long(0), ("@id", id));
            await c.ExecAsync(tx, "UPDATE domains SET removed_at = COALESCE(removed_at, @t), purge_after = @p WHERE id = @id",
                ("@t", now), ("@p", purgeAfter.ToUnixTimeMilliseconds()), ("@id", id));
            await c.ExecAsync(tx, "UPDATE mailboxes SET removed_at = COALESCE(removed_at, @t), purge_after = COALESCE(purge_after, @p) WHERE domain_id = @id",
                ("@t", now), ("@p", purgeAfter.ToUnixTimeMilliseconds()), ("@id", id));
            await c.ExecAsync(tx, "DELETE FROM aliases WHERE domain_id = @id", ("@id", id));
            return live;
        }, ct);
    }

    public Task EnsureMailboxAsync(MailboxSpec spec, CancellationToken ct = default) => EnsureMailboxesAsync([spec], ct);

    public Task EnsureMailboxesAsync(IReadOnlyList<MailboxSpec> specs, CancellationToken ct = default)
    {
        var rows = specs.Select(MailboxUpsert.Prepare).ToList();
        if (rows.Count == 0)
            return Task.CompletedTask;
        return WriteAndRevokeAsync((c, tx) => MailboxUpsert.WriteAsync(c, tx, rows, time.GetUtcNow().ToUnixTimeMilliseconds(), EnsureDomainRowAsync), ct);
    }

    /// <summary>
    /// Runs a directory write that returns the mailboxes whose credentials it changed, and after the commit tells their
    /// sessions (on every engine node: the change notifier is relayed) that what they logged in with no longer holds.
    /// </summary>
    private async Task WriteAndRevokeAsync(Func<DbConnection, DbTransaction, Task<IReadOnlyList<long>>> write, CancellationToken ct)
    {
        var revoked = await db.WriteAsync(write, ct);
        foreach (var id in revoked)
            store.Changes.Publish(new MailboxChange(id, 0, MailboxChangeKind.CredentialsChanged, [], 0));
    }

    public Task EnsureAliasAsync(AliasSpec spec, CancellationToken ct = default)
    {
        var address = NormalizeAliasAddress(spec.Address);
        var domain = address[(address.IndexOf('@') + 1)..];
        var destinations = spec.Destinations.Select(d => MailDirectory.NormalizeAddress(d) ?? throw new ArgumentException($"not an address: {d}", nameof(spec)))
            .Distinct().ToList();
        return db.WriteAsync(async (c, tx) =>
        {
            var domainId = await EnsureDomainRowAsync(c, tx, domain);
            var id = await c.ScalarAsync(tx, "INSERT INTO aliases (address, domain_id) VALUES (@a, @d) ON CONFLICT (address) DO UPDATE SET domain_id = @d RETURNING id",
                ("@a", address), ("@d", domainId));
            await c.ExecAsync(tx, "DELETE FROM alias_destinations WHERE alias_id = @id", ("@id", id));
            foreach (var d in destinations)
                await c.ExecAsync(tx, "INSERT INTO alias_destinations (alias_id, destination) VALUES (@id, @d)", ("@id", id), ("@d", d));
        }, ct);
    }

    public Task RemoveAliasAsync(string address, CancellationToken ct = default)
    {
        var normalized = NormalizeAliasAddress(address);
        return db.WriteAsync((c, tx) => c.ExecAsync(tx, "DELETE FROM aliases WHERE address = @a", ("@a", normalized)), ct);
    }

    public Task RemoveMailboxAsync(string address, DateTimeOffset purgeAfter, CancellationToken ct = default)
    {
        var normalized = MailDirectory.NormalizeAddress(address) ?? throw new ArgumentException($"not an address: {address}", nameof(address));
        return WriteAndRevokeAsync(async (c, tx) =>
        {
            var live = await c.QueryAsync(tx, "SELECT id FROM mailboxes WHERE address = @a AND removed_at IS NULL", r => r.Long(0), ("@a", normalized));
            await c.ExecAsync(tx, "UPDATE mailboxes SET removed_at = COALESCE(removed_at, @t), purge_after = @p WHERE address = @a",
                ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@p", purgeAfter.ToUnixTimeMilliseconds()), ("@a", normalized));
            return live;
        }, ct);
    }

    public Task RestoreMailboxAsync(string address, CancellationToken ct = default)
    {
        var normalized = MailDirectory.NormalizeAddress(address) ?? throw new ArgumentException($"not an address: {address}", nameof(address));
        return db.WriteAsync(async (c, tx) =>
        {
            var domainId = await c.ScalarAsync(tx, "SELECT domain_id FROM mailboxes WHERE address = @a", ("@a", normalized));
            if (domainId is null)
                return;
            // A restored mailbox needs its domain back too.
            await c.ExecAsync(tx, "UPDATE domains SET removed_at = NULL, purge_after = NULL WHERE id = @d", ("@d", domainId));
            await c.ExecAsync(tx, "UPDATE mailboxes SET removed_at = NULL, purge_after = NULL WHERE address = @a", ("@a", normalized));
        }, ct);
    }

    public async Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        var due = await db.ReadAsync(c => c.QueryAsync(null,
            "SELECT address FROM mailboxes WHERE removed_at IS NOT NULL AND purge_after <= @n", r => r.GetString(0),
            ("@n", now.ToUnixTimeMilliseconds())), ct);
        foreach (var address in due)
            await PurgeMailboxAsync(address, ct);
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, """
            DELETE FROM domains WHERE removed_at IS NOT NULL AND purge_after <= @n
              AND NOT EXISTS (SELECT 1 FROM mailboxes m WHERE m.domain_id = domains.id)
              AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.domain_id = domains.id)
            """, ("@n", now.ToUnixTimeMilliseconds())), ct);
        return due.Count;
    }

    public async Task PurgeMailboxAsync(string address, CancellationToken ct = default)
    {
        var normalized = MailDirectory.NormalizeAddress(address) ?? throw new ArgumentException($"not an address: {address}", nameof(address));
        List<string> bodies = [];
        long? purged = null;
        await db.WriteAsync(async (c, tx) =>
        {
            bodies.Clear();
            var id = purged = await c.ScalarAsync(tx, "SELECT id FROM mailboxes WHERE address = @a", ("@a", normalized));
            if (id is null)
                return;
            bodies.AddRange(await c.QueryAsync(tx, "SELECT DISTINCT body FROM messages WHERE mailbox_id = @m", r => r.GetString(0), ("@m", id)));
            await c.ExecAsync(tx, "DELETE FROM messages WHERE mailbox_id = @m", ("@m", id));
            await c.ExecAsync(tx, "DELETE FROM expunged WHERE folder_id IN (SELECT id FROM folders WHERE mailbox_id = @m)", ("@m", id));
            await c.ExecAsync(tx, "DELETE FROM folders WHERE mailbox_id = @m", ("@m", id));
            await c.ExecAsync(tx, "DELETE FROM mailbox_forwards WHERE mailbox_id = @m", ("@m", id));
            await c.ExecAsync(tx, "DELETE FROM mailboxes WHERE id = @m", ("@m", id));
        }, ct);
        if (purged is { } mailboxId)
        {
            // Its folders are gone: a session still open on one (and any shared read of their rows) must look again.
            store.Changes.Publish(new MailboxChange(mailboxId, 0, MailboxChangeKind.FoldersChanged, [], 0));
            store.Changes.Publish(new MailboxChange(mailboxId, 0, MailboxChangeKind.CredentialsChanged, [], 0));
        }

        await store.DeleteUnreferencedBodiesAsync(bodies, ct);
    }

    public Task<IReadOnlyList<MailboxUsage>> GetUsageAsync(CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<MailboxUsage>>(async c => await c.QueryAsync(null,
            "SELECT address, used_bytes, message_count, quota_bytes FROM mailboxes ORDER BY address",
            r => new MailboxUsage(r.GetString(0), r.Long(1), r.Long(2), r.Long(3))), ct);

    // Ids are numbers, so they go into the SQL as literals: one statement for SQLite and PostgreSQL alike,
    // in chunks that stay far below either database's limit on statement size.
    private const int UsageIdsPerQuery = 500;

    public async Task<IReadOnlyList<MailboxUsage>> GetUsageAsync(IReadOnlyCollection<long> mailboxIds, CancellationToken ct = default)
    {
        if (mailboxIds.Count == 0)
            return [];
        return await db.ReadAsync<IReadOnlyList<MailboxUsage>>(async c =>
        {
            var result = new List<MailboxUsage>(mailboxIds.Count);
            foreach (var chunk in mailboxIds.Distinct().Order().Chunk(UsageIdsPerQuery))
            {
                var ids = string.Join(", ", chunk.Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                result.AddRange(await c.QueryAsync(null,
                    $"SELECT address, used_bytes, message_count, quota_bytes FROM mailboxes WHERE id IN ({ids}) ORDER BY address",
                    r => new MailboxUsage(r.GetString(0), r.Long(1), r.Long(2), r.Long(3))));
            }
            return result;
        }, ct);
    }

    public Task<EngineDirectorySnapshot> GetDirectoryAsync(CancellationToken ct = default) =>
        db.ReadAsync(async c =>
        {
            var domainSpecs = await c.QueryAsync(null, "SELECT name, owner, verified FROM domains WHERE removed_at IS NULL ORDER BY name",
                r => new DomainSpec(r.GetString(0), r.StringOrNull(1), r.Bool(2)));
            var domains = domainSpecs.Select(d => d.Name).ToList();
            var forwards = (await c.QueryAsync(null, "SELECT mailbox_id, destination FROM mailbox_forwards ORDER BY destination", r => (r.Long(0), r.GetString(1))))
                .ToLookup(f => f.Item1, f => f.Item2);
            var mailboxes = await c.QueryAsync(null, """
                SELECT id, address, password_hash, quota_bytes, enabled, imap_enabled, pop3_enabled, pop3_retention_days, display_name, keep_copy, removed_at,
                       trash_retention_days, junk_retention_days
                FROM mailboxes ORDER BY address
                """, r => (Removed: !r.IsDBNull(10), Spec: new MailboxSpec(r.GetString(1), r.GetString(2), r.Long(3), r.Bool(4), r.Bool(5), r.Bool(6), (int)r.Long(7),
                r.StringOrNull(8), forwards[r.Long(0)].ToList(), r.Bool(9), (int)r.Long(11), (int)r.Long(12))));
            var destinations = (await c.QueryAsync(null, "SELECT alias_id, destination FROM alias_destinations ORDER BY destination", r => (r.Long(0), r.GetString(1))))
                .ToLookup(d => d.Item1, d => d.Item2);
            var aliases = await c.QueryAsync(null, "SELECT id, address FROM aliases ORDER BY address",
                r => new AliasSpec(r.GetString(1), destinations[r.Long(0)].ToList()));
            return new EngineDirectorySnapshot(domains,
                mailboxes.Where(m => !m.Removed).Select(m => m.Spec).ToList(),
                aliases,
                mailboxes.Where(m => m.Removed).Select(m => m.Spec.Address).ToList()) { DomainSpecs = domainSpecs };
        }, ct);

    private static async Task<long> EnsureDomainRowAsync(DbConnection c, DbTransaction tx, string name) =>
        await c.ScalarAsync(tx, "INSERT INTO domains (name) VALUES (@n) ON CONFLICT (name) DO UPDATE SET removed_at = NULL, purge_after = NULL RETURNING id",
            ("@n", name)) ?? 0;

    private static string NormalizeDomain(string domain) =>
        AddressNormalizer.NormalizeDomain(domain) ?? throw new ArgumentException($"not a domain: {domain}", nameof(domain));

    private static string NormalizeAliasAddress(string address)
    {
        if (address.StartsWith("*@", StringComparison.Ordinal))
            return "*@" + NormalizeDomain(address[2..]);
        return MailDirectory.NormalizeAddress(address) ?? throw new ArgumentException($"not an address: {address}", nameof(address));
    }

    private static long B(bool value) => value ? 1 : 0;
}
