using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace HostingPanel.Web.Hosting.Backup;

/// <summary>What a backup holds.</summary>
public sealed record BackupSummary(string Directory, int Files, long Bytes, long Messages, int ExpungedMeanwhile);

/// <summary>
/// A consistent online backup of a whole installation while it runs and mail keeps flowing, into an empty directory:
/// <list type="number">
/// <item>the engine's database, then the panel's, each copied with SQLite's online backup API (one step in a read
/// transaction: in WAL mode writers go on meanwhile, and the copy is the database as of one instant). The engine's comes
/// first: a mailbox created in between is then in the panel's copy and provisioned again after a restore, never in the
/// engine alone;</item>
/// <item>every message body the engine's copy refers to, read from the store without any lock (bodies are immutable
/// files, written before their row commits, so each one the copy refers to exists). A body expunged after the database
/// was copied and before its file was read is taken out of the copy as if it had been expunged a moment earlier;</item>
/// <item>every other file of the data directory (keys, certificates, the outbound spool, Data Protection keys);</item>
/// <item><c>SHA256SUMS</c>, after every file was read back from disk and checked against the hash of what was read from
/// the installation, and both database copies passed <c>PRAGMA integrity_check</c>.</item>
/// </list>
/// Layout: <c>panel.db</c>, <c>mail.db</c>, <c>data/…</c> (the data directory without the databases), <c>SHA256SUMS</c>.
/// </summary>
public static class InstallationBackup
{
    public const string PanelFile = "panel.db";
    public const string MailFile = "mail.db";
    public const string DataFolder = "data";

    /// <param name="exclude">Directories of the data directory not to copy (scheduled backups kept inside it).</param>
    public static BackupSummary Run(BackupLocations from, string to, Action<string> log, IReadOnlyList<string>? exclude = null, CancellationToken ct = default)
    {
        if (from.Provider != DatabaseProvider.Sqlite)
            throw new BackupException("The backup command copies SQLite installations; on PostgreSQL back up the database with pg_dump and the data directory with any file copy tool (see docs/operations.md).");
        to = Path.GetFullPath(to);
        if (Directory.Exists(to) && Directory.EnumerateFileSystemEntries(to).Any())
            throw new BackupException($"{to} is not empty; back up into a new or empty directory.");
        Directory.CreateDirectory(to);

        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var mailFile = BackupLocations.SqliteFile(from.MailConnection);
        var panelFile = BackupLocations.SqliteFile(from.PanelConnection);
        Snapshot(from.MailConnection, Path.Combine(to, MailFile));
        Snapshot(from.PanelConnection, Path.Combine(to, PanelFile));
        log($"Databases copied ({MailFile}, {PanelFile}).");

        var skip = new HashSet<string>(BackupLocations.SqliteFamily(mailFile).Concat(BackupLocations.SqliteFamily(panelFile)), StringComparer.Ordinal);
        long bytes = 0;
        var files = 0;
        void Copied(string relative, string hash, long size) { hashes[relative] = hash; bytes += size; files++; }

        // Bodies: exactly those the database copy refers to.
        var expunged = new List<string>();
        var bodies = ReferencedBodies(Path.Combine(to, MailFile));
        if (!from.BodiesInS3)
            foreach (var body in bodies)
            {
                ct.ThrowIfCancellationRequested();
                var relative = $"{DataFolder}/store/{body}";
                var source = Path.Combine(from.StoreDirectory, body);
                if (!BackupManifest.IsSafeRelativePath(body) || CopyFile(source, Path.Combine(to, relative)) is not { } copied) { expunged.Add(body); continue; }
                Copied(relative, copied.Hash, copied.Size);
            }
        if (expunged.Count > 0) ForgetExpunged(Path.Combine(to, MailFile), expunged);

        // Everything else in the data directory.
        var store = from.StoreDirectory + Path.DirectorySeparatorChar;
        foreach (var file in Directory.EnumerateFiles(from.DataDirectory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            ct.ThrowIfCancellationRequested();
            var full = Path.GetFullPath(file);
            if (skip.Contains(full) || full.StartsWith(store, StringComparison.Ordinal) || IsInside(full, to) || (exclude ?? []).Any(x => IsInside(full, Path.GetFullPath(x))) || Path.GetFileName(full).StartsWith(".write-test-", StringComparison.Ordinal)) continue;
            var relative = $"{DataFolder}/{Path.GetRelativePath(from.DataDirectory, full).Replace(Path.DirectorySeparatorChar, '/')}";
            if (CopyFile(full, Path.Combine(to, relative)) is { } copied) Copied(relative, copied.Hash, copied.Size);
        }

        foreach (var db in new[] { MailFile, PanelFile })
        {
            CheckIntegrity(Path.Combine(to, db));
            var full = Path.Combine(to, db);
            Copied(db, BackupManifest.HashOf(full), new FileInfo(full).Length);
        }

        var problems = BackupManifest.Verify(to, hashes);
        if (problems.Count > 0) throw new BackupException($"The backup in {to} did not verify: {string.Join("; ", problems.Take(5))}.");
        BackupManifest.Write(to, hashes);
        return new BackupSummary(to, files, bytes, bodies.Count - expunged.Count, expunged.Count);
    }

    private static void Snapshot(string connectionString, string target)
    {
        using var source = new SqliteConnection(connectionString);
        source.Open();
        using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false }.ToString());
        destination.Open();
        source.BackupDatabase(destination);
        // The copy is one file by itself: no WAL beside it.
        using var journal = destination.CreateCommand();
        journal.CommandText = "PRAGMA journal_mode=DELETE;";
        journal.ExecuteNonQuery();
    }

    private static List<string> ReferencedBodies(string mailCopy)
    {
        using var db = Open(mailCopy);
        using var command = db.CreateCommand();
        command.CommandText = "SELECT DISTINCT body FROM messages ORDER BY body";
        using var reader = command.ExecuteReader();
        var result = new List<string>();
        while (reader.Read()) result.Add(reader.GetString(0).Replace(Path.DirectorySeparatorChar, '/'));
        return result;
    }

    /// <summary>Messages whose bodies were expunged while the backup ran: out of the copy, with their bytes back in the usage counter.</summary>
    private static void ForgetExpunged(string mailCopy, List<string> bodies)
    {
        using var db = Open(mailCopy);
        using var tx = db.BeginTransaction();
        foreach (var body in bodies)
        {
            using var command = db.CreateCommand();
            command.Transaction = tx;
            command.CommandText = """
                UPDATE mailboxes SET used_bytes = MAX(0, used_bytes - (SELECT COALESCE(SUM(size), 0) FROM messages m WHERE m.mailbox_id = mailboxes.id AND m.body = $b))
                 WHERE id IN (SELECT mailbox_id FROM messages WHERE body = $b);
                DELETE FROM messages WHERE body = $b;
                """;
            command.Parameters.AddWithValue("$b", body);
            command.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static void CheckIntegrity(string file)
    {
        using var db = Open(file);
        using var command = db.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        var result = command.ExecuteScalar() as string;
        if (result != "ok") throw new BackupException($"The copy {file} failed SQLite's integrity check: {result}.");
    }

    private static SqliteConnection Open(string file)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        db.Open();
        return db;
    }

    /// <summary>Copies a file, hashing what was read; null when it vanished (an expunged body, a removed temporary file).</summary>
    internal static (string Hash, long Size)? CopyFile(string source, string target)
    {
        FileStream input;
        try
        {
            input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        using (input)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 16];
            int read;
            long size = 0;
            while ((read = input.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                output.Write(buffer, 0, read);
                size += read;
            }
            output.Flush(flushToDisk: true);
            return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
        }
    }

    private static bool IsInside(string path, string directory) =>
        path.StartsWith(directory.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
