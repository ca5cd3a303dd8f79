using System.Collections.Concurrent;
using System.Text;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Sieve;

public sealed record SieveScriptInfo(string Name, bool Active, long Size, DateTimeOffset UpdatedAt);

public enum SieveStoreStatus
{
    Ok,
    NotFound,
    AlreadyExists,
    /// <summary>RFC 5804 QUOTA/MAXSCRIPTS.</summary>
    TooManyScripts,
    /// <summary>RFC 5804 QUOTA/MAXSIZE (one script, or all together).</summary>
    TooLarge,
    InvalidName,
    /// <summary>DELETESCRIPT of the active script (RFC 5804 section 2.10: NO (ACTIVE)).</summary>
    Active,
}

/// <summary>
/// The scripts of each mailbox in the engine's tables (one active at most), and the compiled active
/// script for delivery: one indexed query per delivery finds the active script's id and version,
/// and the compiled form is cached by both (a cache only: any node sees a change at its next delivery).
/// </summary>
public sealed class SieveScriptStore(EngineDatabase db, IOptions<SieveOptions> options, TimeProvider time)
{
    private readonly SieveOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, (long Id, long Version, SieveScript? Script, string? Error)> _compiled = new();

    public SieveOptions Options => _options;

    /// <summary>RFC 5804 section 1.6: script names are non-empty UTF-8 without control characters.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 128 && !name.Any(c => c < 0x20 || c is >= '\u007F' and <= '\u009F' or '\u2028' or '\u2029');

    public Task<List<SieveScriptInfo>> ListAsync(long mailboxId, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QueryAsync(null,
            "SELECT name, active, LENGTH(content), updated_at FROM sieve_scripts WHERE mailbox_id = @m ORDER BY name",
            r => new SieveScriptInfo(r.GetString(0), r.Bool(1), r.Long(2), DateTimeOffset.FromUnixTimeMilliseconds(r.Long(3))), ("@m", mailboxId)), ct);

    public async Task<string?> GetAsync(long mailboxId, string name, CancellationToken ct = default)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT content FROM sieve_scripts WHERE mailbox_id = @m AND name = @n",
            r => r.GetString(0), ("@m", mailboxId), ("@n", name)), ct);
        return rows.FirstOrDefault();
    }

    /// <summary>The active script's name and content, or null.</summary>
    public async Task<(string Name, string Content)?> GetActiveAsync(long mailboxId, CancellationToken ct = default)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT name, content FROM sieve_scripts WHERE mailbox_id = @m AND active = 1",
            r => (r.GetString(0), r.GetString(1)), ("@m", mailboxId)), ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>HAVESPACE: would a script of <paramref name="size"/> bytes named <paramref name="name"/> fit?</summary>
    public async Task<SieveStoreStatus> HaveSpaceAsync(long mailboxId, string name, long size, CancellationToken ct = default)
    {
        if (!IsValidName(name))
            return SieveStoreStatus.InvalidName;
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT name, LENGTH(content) FROM sieve_scripts WHERE mailbox_id = @m",
            r => (r.GetString(0), r.Long(1)), ("@m", mailboxId)), ct);
        return Fits(rows, name, size);
    }

    private SieveStoreStatus Fits(List<(string Name, long Size)> existing, string name, long size)
    {
        if (size > _options.MaxScriptSize)
            return SieveStoreStatus.TooLarge;
        var others = existing.Where(r => r.Name != name).ToList();
        if (others.Count + 1 > _options.MaxScripts)
            return SieveStoreStatus.TooManyScripts;
        return others.Sum(r => r.Size) + size > _options.MaxStorage ? SieveStoreStatus.TooLarge : SieveStoreStatus.Ok;
    }

    /// <summary>Stores (or replaces) a script; the caller has compiled it. Quota checked in the same transaction.</summary>
    public Task<SieveStoreStatus> PutAsync(long mailboxId, string name, string content, CancellationToken ct = default)
    {
        if (!IsValidName(name))
            return Task.FromResult(SieveStoreStatus.InvalidName);
        var size = Encoding.UTF8.GetByteCount(content);
        return db.WriteAsync(async (c, tx) =>
        {
            // LENGTH counts characters on both providers; scripts are charged in UTF-8 bytes by re-encoding.
            var rows = await c.QueryAsync(tx, "SELECT name, content FROM sieve_scripts WHERE mailbox_id = @m",
                r => (r.GetString(0), (long)Encoding.UTF8.GetByteCount(r.GetString(1))), ("@m", mailboxId));
            var fits = Fits(rows, name, size);
            if (fits != SieveStoreStatus.Ok)
                return fits;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (rows.Any(r => r.Item1 == name))
                await c.ExecAsync(tx, "UPDATE sieve_scripts SET content = @c, updated_at = @t WHERE mailbox_id = @m AND name = @n",
                    ("@c", content), ("@t", now), ("@m", mailboxId), ("@n", name));
            else
                await c.ExecAsync(tx, "INSERT INTO sieve_scripts (mailbox_id, name, content, active, updated_at) VALUES (@m, @n, @c, 0, @t)",
                    ("@m", mailboxId), ("@n", name), ("@c", content), ("@t", now));
            return SieveStoreStatus.Ok;
        }, ct);
    }

    /// <summary>SETACTIVE: makes <paramref name="name"/> the only active script; "" deactivates all.</summary>
    public Task<SieveStoreStatus> SetActiveAsync(long mailboxId, string name, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            if (name.Length > 0 && await c.ScalarAsync(tx, "SELECT id FROM sieve_scripts WHERE mailbox_id = @m AND name = @n",
                    ("@m", mailboxId), ("@n", name)) is null)
                return SieveStoreStatus.NotFound;
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await c.ExecAsync(tx, "UPDATE sieve_scripts SET active = 0, updated_at = @t WHERE mailbox_id = @m AND active = 1 AND name <> @n",
                ("@t", now), ("@m", mailboxId), ("@n", name));
            if (name.Length > 0)
                await c.ExecAsync(tx, "UPDATE sieve_scripts SET active = 1, updated_at = @t WHERE mailbox_id = @m AND name = @n AND active = 0",
                    ("@t", now), ("@m", mailboxId), ("@n", name));
            return SieveStoreStatus.Ok;
        }, ct);

    public Task<SieveStoreStatus> DeleteAsync(long mailboxId, string name, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var active = await c.ScalarAsync(tx, "SELECT active FROM sieve_scripts WHERE mailbox_id = @m AND name = @n", ("@m", mailboxId), ("@n", name));
            if (active is null)
                return SieveStoreStatus.NotFound;
            if (active == 1)
                return SieveStoreStatus.Active;
            await c.ExecAsync(tx, "DELETE FROM sieve_scripts WHERE mailbox_id = @m AND name = @n", ("@m", mailboxId), ("@n", name));
            return SieveStoreStatus.Ok;
        }, ct);

    public Task<SieveStoreStatus> RenameAsync(long mailboxId, string oldName, string newName, CancellationToken ct = default)
    {
        if (!IsValidName(newName))
            return Task.FromResult(SieveStoreStatus.InvalidName);
        return db.WriteAsync(async (c, tx) =>
        {
            if (await c.ScalarAsync(tx, "SELECT id FROM sieve_scripts WHERE mailbox_id = @m AND name = @n", ("@m", mailboxId), ("@n", oldName)) is null)
                return SieveStoreStatus.NotFound;
            if (await c.ScalarAsync(tx, "SELECT id FROM sieve_scripts WHERE mailbox_id = @m AND name = @n", ("@m", mailboxId), ("@n", newName)) is not null)
                return SieveStoreStatus.AlreadyExists;
            await c.ExecAsync(tx, "UPDATE sieve_scripts SET name = @new, updated_at = @t WHERE mailbox_id = @m AND name = @old",
                ("@new", newName), ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@m", mailboxId), ("@old", oldName));
            return SieveStoreStatus.Ok;
        }, ct);
    }

    /// <summary>
    /// The compiled active script of each mailbox that has one (one query for all of them). A stored
    /// script that no longer compiles comes back with its error, so delivery keeps and logs.
    /// </summary>
    internal async Task<Dictionary<long, (SieveScript? Script, string? Error)>> GetActiveCompiledAsync(IReadOnlyList<long> mailboxIds, CancellationToken ct)
    {
        var result = new Dictionary<long, (SieveScript?, string?)>();
        if (mailboxIds.Count == 0)
            return result;
        var ids = string.Join(", ", mailboxIds.Distinct());
        var active = await db.ReadAsync(c => c.QueryAsync(null,
            $"SELECT mailbox_id, id, updated_at FROM sieve_scripts WHERE active = 1 AND mailbox_id IN ({ids})",
            r => (Mailbox: r.Long(0), Id: r.Long(1), Version: r.Long(2))), ct);
        foreach (var (mailbox, id, version) in active)
        {
            if (!_compiled.TryGetValue(mailbox, out var cached) || cached.Id != id || cached.Version != version)
            {
                var content = await db.ReadAsync(c => c.QueryAsync(null, "SELECT content FROM sieve_scripts WHERE id = @id",
                    r => r.GetString(0), ("@id", id)), ct);
                if (content.Count == 0)
                    continue;
                try
                {
                    cached = (id, version, SieveScript.Compile(content[0]), null);
                }
                catch (SieveCompileException e)
                {
                    cached = (id, version, null, e.Message);
                }
                _compiled[mailbox] = cached;
            }
            result[mailbox] = (cached.Script, cached.Error);
        }
        return result;
    }
}
