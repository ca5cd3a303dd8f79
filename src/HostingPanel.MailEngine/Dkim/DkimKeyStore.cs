using System.Collections.Concurrent;
using System.Globalization;
using HostingPanel.MailEngine.Storage;
using Org.BouncyCastle.Crypto;

namespace HostingPanel.MailEngine.Dkim;

/// <summary>A decrypted key ready to sign.</summary>
internal sealed record DkimSigningKey(string Selector, string Algorithm, AsymmetricKeyParameter PrivateKey);

/// <summary>
/// The DKIM keys of every domain in the engine's tables: a pair (RSA 2048 and Ed25519) generated when the domain is
/// added; rotation adds a pending pair that takes over once its records are seen in DNS, the old pair kept until then.
/// </summary>
public sealed class DkimKeyStore(EngineDatabase db, DkimKeyProtector protector, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, IReadOnlyList<DkimSigningKey> Keys)> _signing = new(StringComparer.Ordinal);

    /// <summary>Creates the domain's first key pair unless it has keys (idempotent; generation happens outside the transaction).</summary>
    public async Task EnsureKeysAsync(string domain, CancellationToken ct = default)
    {
        if (await CountAsync(domain, ct) > 0)
            return;
        await InsertPairAsync(domain, "active", ct);
    }

    /// <summary>Starts a rotation: a new pending pair (unless one is pending already). Signing goes on with the active pair.</summary>
    public async Task RotateAsync(string domain, CancellationToken ct = default)
    {
        await EnsureKeysAsync(domain, ct);
        var pending = await db.ReadAsync(c => c.ScalarAsync(null, "SELECT COUNT(*) FROM dkim_keys WHERE domain = @d AND state = 'pending'", ("@d", domain)), ct);
        if (pending is > 0)
            return;
        await InsertPairAsync(domain, "pending", ct);
    }

    /// <summary>The pending pair becomes active and the active one retired (the caller saw the new records in DNS).</summary>
    internal async Task PromotePendingAsync(string domain, CancellationToken ct)
    {
        await db.WriteAsync(async (c, tx) =>
        {
            if (await c.ScalarAsync(tx, "SELECT COUNT(*) FROM dkim_keys WHERE domain = @d AND state = 'pending'", ("@d", domain)) is not > 0)
                return;
            await c.ExecAsync(tx, "UPDATE dkim_keys SET state = 'retired' WHERE domain = @d AND state = 'active'", ("@d", domain));
            await c.ExecAsync(tx, "UPDATE dkim_keys SET state = 'active' WHERE domain = @d AND state = 'pending'", ("@d", domain));
        }, ct);
        _signing.TryRemove(domain, out _);
    }

    /// <summary>The domain's active and pending keys with their DNS records.</summary>
    public Task<IReadOnlyList<DkimPublicKey>> PublicKeysAsync(string domain, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<DkimPublicKey>>(async c => await c.QueryAsync(null,
            "SELECT selector, algorithm, state, public_key, created_at FROM dkim_keys WHERE domain = @d AND state <> 'retired' ORDER BY state, algorithm",
            r => new DkimPublicKey(domain, r.GetString(0), r.GetString(1), r.GetString(2), DkimKeyGenerator.Record(r.GetString(1), r.GetString(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(r.Long(4))), ("@d", domain)), ct);

    /// <summary>The active keys, decrypted (cached briefly: signing a burst must not decrypt per message).</summary>
    internal async Task<IReadOnlyList<DkimSigningKey>> SigningKeysAsync(string domain, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_signing.TryGetValue(domain, out var cached) && cached.Until > now)
            return cached.Keys;
        var rows = await db.ReadAsync(c => c.QueryAsync(null,
            // Only for a live, verified domain: a tenant that typed in someone else's name gets no signature in its name.
            """
            SELECT k.selector, k.algorithm, k.private_key FROM dkim_keys k
            WHERE k.domain = @d AND k.state = 'active'
              AND EXISTS (SELECT 1 FROM domains d WHERE d.name = @d AND d.verified = 1 AND d.removed_at IS NULL)
            ORDER BY k.algorithm DESC
            """,
            r => (Selector: r.GetString(0), Algorithm: r.GetString(1), Protected: r.GetString(2)), ("@d", domain)), ct);
        IReadOnlyList<DkimSigningKey> keys = rows.Select(r => new DkimSigningKey(r.Selector, r.Algorithm,
            DkimKeyGenerator.PrivateKey(r.Algorithm, protector.Unprotect(r.Protected)))).ToList();
        _signing[domain] = (now + CacheFor, keys);
        return keys;
    }

    private Task<long?> CountAsync(string domain, CancellationToken ct) =>
        db.ReadAsync(c => c.ScalarAsync(null, "SELECT COUNT(*) FROM dkim_keys WHERE domain = @d AND state <> 'retired'", ("@d", domain)), ct);

    private async Task InsertPairAsync(string domain, string state, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        // A selector per pair and algorithm, dated, so a rotation never reuses a name that resolvers may have cached.
        // (and a random part: a rotation started within the same second as the first pair must not collide with it).
        var stamp = now.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
        var rsa = DkimKeyGenerator.NewRsa();
        var ed = DkimKeyGenerator.NewEd25519();
        await db.WriteAsync(async (c, tx) =>
        {
            foreach (var (selector, algorithm, key) in new[] { ($"hp{stamp}r", DkimAlgorithms.Rsa, rsa), ($"hp{stamp}e", DkimAlgorithms.Ed25519, ed) })
                await c.ExecAsync(tx, """
                    INSERT INTO dkim_keys (domain, selector, algorithm, private_key, public_key, state, created_at)
                    VALUES (@d, @s, @a, @k, @p, @st, @t) ON CONFLICT (domain, selector) DO NOTHING
                    """, ("@d", domain), ("@s", selector), ("@a", algorithm), ("@k", protector.Protect(key.Private)), ("@p", key.Public),
                    ("@st", state), ("@t", now.ToUnixTimeMilliseconds()));
        }, ct);
    }
}
