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
public sealed class SieveScriptStore(EngineDatabase db, IOptions<SieveOptions> options, TimeProvider time, SieveGlobalScripts? globals = null)
{
    private readonly SieveOptions _options = options.Value;
    /// <summary>Compiled scripts by their row id, with the version (updated_at) they were compiled from.</summary>
    private readonly ConcurrentDictionary<long, (long Version, SieveIncludedScript Compiled)> _compiled = new();

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
    /// The compiled active script of each mailbox that has one (one query for all of them), with its name. A stored
    /// script that no longer compiles comes back with its error, so delivery keeps and logs.
    /// </summary>
    internal async Task<Dictionary<long, (SieveScript? Script, string? Error, string Name)>> GetActiveCompiledAsync(IReadOnlyList<long> mailboxIds, CancellationToken ct)
    {
        var result = new Dictionary<long, (SieveScript?, string?, string)>();
        if (mailboxIds.Count == 0)
            return result;
        var ids = string.Join(", ", mailboxIds.Distinct());
        var active = await db.ReadAsync(c => c.QueryAsync(null,
            $"SELECT mailbox_id, id, updated_at, name FROM sieve_scripts WHERE active = 1 AND mailbox_id IN ({ids})",
            r => (Mailbox: r.Long(0), Id: r.Long(1), Version: r.Long(2), Name: r.GetString(3))), ct);
        foreach (var (mailbox, id, version, name) in active)
        {
            if (await CompiledAsync(id, version, ct) is { } compiled)
                result[mailbox] = (compiled.Script, compiled.Error, name);
        }
        return result;
    }

    /// <summary>
    /// Every script of the mailbox that an include may name (RFC 6609 ":personal": the scripts of the same ManageSieve
    /// account, active or not), compiled; cached by id and version like the active script.
    /// </summary>
    internal async Task<Dictionary<string, SieveIncludedScript>> GetPersonalCompiledAsync(long mailboxId, CancellationToken ct)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT id, updated_at, name FROM sieve_scripts WHERE mailbox_id = @m",
            r => (Id: r.Long(0), Version: r.Long(1), Name: r.GetString(2)), ("@m", mailboxId)), ct);
        var result = new Dictionary<string, SieveIncludedScript>(StringComparer.Ordinal);
        foreach (var (id, version, name) in rows)
        {
            if (await CompiledAsync(id, version, ct) is { } compiled)
                result[name] = compiled;
        }
        return result;
    }

    private async Task<SieveIncludedScript?> CompiledAsync(long id, long version, CancellationToken ct)
    {
        if (_compiled.TryGetValue(id, out var cached) && cached.Version == version)
            return cached.Compiled;
        var content = await db.ReadAsync(c => c.QueryAsync(null, "SELECT content FROM sieve_scripts WHERE id = @id",
            r => r.GetString(0), ("@id", id)), ct);
        if (content.Count == 0)
            return null;
        SieveIncludedScript compiled;
        try
        {
            compiled = new SieveIncludedScript(SieveScript.Compile(content[0]), null);
        }
        catch (SieveCompileException e)
        {
            compiled = new SieveIncludedScript(null, e.Message);
        }
        _compiled[id] = (version, compiled);
        return compiled;
    }

    /// <summary>
    /// What PUTSCRIPT and CHECKSCRIPT say about a script's includes (RFC 6609 section 3.2), as Pigeonhole does at upload:
    /// an include loop through the account's stored scripts (or the site's) is an error; a missing script is only a
    /// warning, since it may be uploaded next and is an error only when it runs (none with :optional).
    /// </summary>
    /// <param name="name">The name the script is stored under (null for CHECKSCRIPT: no loop back to it can be known).</param>
    public async Task<(string? Error, List<string> Warnings)> CheckIncludesAsync(long mailboxId, string? name, SieveScript script, CancellationToken ct = default)
    {
        var warnings = new List<string>();
        if (script.Includes.Count == 0)
            return (null, warnings);
        var personal = await GetPersonalCompiledAsync(mailboxId, ct);
        foreach (var (location, included, optional, line) in script.Includes)
        {
            var exists = location == SieveIncludeLocation.Global ? globals?.Get(included) is not null : personal.ContainsKey(included) || included == name;
            if (!exists && !optional)
                warnings.Add($"line {line}: included {(location == SieveIncludeLocation.Global ? "global" : "personal")} script \"{included}\" does not exist (an error when it runs)");
        }
        // Depth-first over the include graph, the new script standing in for the stored one of the same name.
        var path = new List<(SieveIncludeLocation, string)>();
        var done = new HashSet<(SieveIncludeLocation, string)>();
        SieveScript? Resolve(SieveIncludeLocation location, string n) =>
            location == SieveIncludeLocation.Personal && n == name ? script
            : (location == SieveIncludeLocation.Global ? globals?.Get(n) : personal.GetValueOrDefault(n))?.Script;
        string? Walk(SieveIncludeLocation location, string n, SieveScript s, int line)
        {
            var key = (location, n);
            if (path.Contains(key))
                return $"line {line}: include loop: \"{n}\" includes itself through " + string.Join(" -> ", path.Select(p => p.Item2).Append(n));
            if (!done.Add(key))
                return null;
            path.Add(key);
            foreach (var (l, child, _, childLine) in s.Includes)
            {
                if (Resolve(l, child) is { } c && Walk(l, child, c, path.Count == 1 ? childLine : line) is { } loop)
                    return loop;
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
        return (Walk(SieveIncludeLocation.Personal, name ?? "\u0000checked", script, 0), warnings);
    }
}
