using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Transfer;

public static class MigrationStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
    /// <summary>Stopped by the owner: keeps its progress and its encrypted credentials until resumed.</summary>
    public const string Paused = "paused";
}

/// <param name="Secret">The source password as the caller encrypted it; null once the job has ended.</param>
/// <param name="Skipped">Messages found already copied (a rerun copies only what is new).</param>
/// <param name="Errors">One line per failure, with its reason.</param>
/// <param name="TotalMessages">The source's messages when the current run planned (0 until then).</param>
/// <param name="RemainingMessages">Of those, the ones still to copy.</param>
public sealed record MigrationJob(
    string Id, string Address, string Host, int Port, string Security, string Username, string? Secret, bool AllowPrivate,
    string Status, long Messages, long Bytes, long Folders, long Skipped, IReadOnlyList<string> Errors, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    long TotalMessages = 0, long RemainingMessages = 0)
{
    /// <summary>How far the job is, per message: 100 when done, otherwise the share of the source's messages already here.</summary>
    public int Percent => Status == MigrationStatus.Done ? 100
        : TotalMessages <= 0 ? 0
        : (int)Math.Clamp((TotalMessages - RemainingMessages) * 100 / TotalMessages, 0, 100);
}

/// <summary>IMAP migration jobs (see <see cref="MigrationJobs"/>).</summary>
public interface IMigrationJobs
{
    Task<MigrationJob> CreateAsync(string address, string host, int port, string security, string username, string secret, bool allowPrivate, CancellationToken ct = default);
    Task<MigrationJob?> GetAsync(string id, CancellationToken ct = default);
    Task<List<MigrationJob>> PendingAsync(CancellationToken ct = default);
    /// <summary>False when the job is no longer queued or running (paused or ended meanwhile): the worker leaves it.</summary>
    Task<bool> MarkRunningAsync(string id, CancellationToken ct = default);
    /// <summary>Queued or running → paused; false otherwise (ended, or already paused).</summary>
    Task<bool> PauseAsync(string id, CancellationToken ct = default);
    /// <summary>Paused → queued; false otherwise.</summary>
    Task<bool> ResumeAsync(string id, CancellationToken ct = default);
    /// <param name="total">The source's messages found when the run planned; <paramref name="remaining"/> of them still to copy.</param>
    Task ReportAsync(string id, long messages, long bytes, long folders, long skipped, IReadOnlyList<string> errors, long total, long remaining, CancellationToken ct = default);
    Task FinishAsync(string id, string status, CancellationToken ct = default);
}

/// <summary>
/// IMAP migration jobs, kept in the engine's database so that a job survives a restart and any node's worker can resume it.
/// The source password is stored only as the encrypted text the caller gives, and removed when the job ends.
/// </summary>
public sealed class MigrationJobs(EngineDatabase db, TimeProvider time) : IMigrationJobs
{
    private const int MaxErrors = 200;
    private const string Columns = "id, address, host, port, security, username, secret, allow_private, status, messages, bytes, folders, skipped, errors, created_at, updated_at, total_messages, remaining_messages";

    public async Task<MigrationJob> CreateAsync(string address, string host, int port, string security, string username, string secret, bool allowPrivate, CancellationToken ct = default)
    {
        var id = Guid.NewGuid().ToString();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, $"""
            INSERT INTO migration_jobs (id, address, host, port, security, username, secret, allow_private, status, created_at, updated_at)
            VALUES (@id, @a, @h, @p, @s, @u, @x, @ap, '{MigrationStatus.Queued}', @t, @t)
            """, ("@id", id), ("@a", address), ("@h", host), ("@p", (long)port), ("@s", security), ("@u", username), ("@x", secret),
            ("@ap", allowPrivate ? 1L : 0L), ("@t", now)), ct);
        return (await GetAsync(id, ct))!;
    }

    public async Task<MigrationJob?> GetAsync(string id, CancellationToken ct = default)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, $"SELECT {Columns} FROM migration_jobs WHERE id = @id", Read, ("@id", id)), ct);
        return rows.FirstOrDefault();
    }

    /// <summary>Jobs a worker should run: queued ones, and running ones whose worker stopped (a restart resumes them).</summary>
    public Task<List<MigrationJob>> PendingAsync(CancellationToken ct = default) =>
        db.ReadAsync(c => c.QueryAsync(null, $"SELECT {Columns} FROM migration_jobs WHERE status IN ('{MigrationStatus.Queued}', '{MigrationStatus.Running}') ORDER BY created_at",
            Read), ct);

    public async Task<bool> MarkRunningAsync(string id, CancellationToken ct = default) =>
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, $"""
            UPDATE migration_jobs SET status = '{MigrationStatus.Running}', updated_at = @t
            WHERE id = @id AND status IN ('{MigrationStatus.Queued}', '{MigrationStatus.Running}')
            """, ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@id", id)), ct) == 1;

    // One conditional UPDATE each: a pause racing the job's end (or a second pause) changes nothing.
    public async Task<bool> PauseAsync(string id, CancellationToken ct = default) =>
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, $"""
            UPDATE migration_jobs SET status = '{MigrationStatus.Paused}', updated_at = @t
            WHERE id = @id AND status IN ('{MigrationStatus.Queued}', '{MigrationStatus.Running}')
            """, ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@id", id)), ct) == 1;

    public async Task<bool> ResumeAsync(string id, CancellationToken ct = default) =>
        await db.WriteAsync((c, tx) => c.ExecAsync(tx, $"""
            UPDATE migration_jobs SET status = '{MigrationStatus.Queued}', updated_at = @t WHERE id = @id AND status = '{MigrationStatus.Paused}'
            """, ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@id", id)), ct) == 1;

    public Task ReportAsync(string id, long messages, long bytes, long folders, long skipped, IReadOnlyList<string> errors, long total, long remaining, CancellationToken ct = default) =>
        db.WriteAsync((c, tx) => c.ExecAsync(tx,
            "UPDATE migration_jobs SET messages = @m, bytes = @b, folders = @f, skipped = @s, errors = @e, total_messages = @n, remaining_messages = @r, updated_at = @t WHERE id = @id",
            ("@m", messages), ("@b", bytes), ("@f", folders), ("@s", skipped), ("@e", string.Join('\n', errors.Take(MaxErrors))), ("@n", total), ("@r", remaining),
            ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@id", id)), ct);

    /// <summary>Ends a job (done or failed) and forgets the source's password.</summary>
    public Task FinishAsync(string id, string status, CancellationToken ct = default) =>
        db.WriteAsync((c, tx) => c.ExecAsync(tx, "UPDATE migration_jobs SET status = @s, secret = NULL, updated_at = @t WHERE id = @id",
            ("@s", status), ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@id", id)), ct);

    private static MigrationJob Read(System.Data.Common.DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), (int)r.Long(3), r.GetString(4), r.GetString(5), r.StringOrNull(6), r.Long(7) != 0,
        r.GetString(8), r.Long(9), r.Long(10), r.Long(11), r.Long(12),
        r.GetString(13).Split('\n', StringSplitOptions.RemoveEmptyEntries), DateTimeOffset.FromUnixTimeMilliseconds(r.Long(14)), DateTimeOffset.FromUnixTimeMilliseconds(r.Long(15)),
        r.Long(16), r.Long(17));
}
