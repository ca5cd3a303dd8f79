namespace HostingPanel.Web.Hosting.Backup;

/// <summary>What a restore put back.</summary>
public sealed record RestoreSummary(string DataDirectory, int Files, long Bytes);

/// <summary>
/// Puts a backup of <see cref="InstallationBackup"/> into a fresh installation: every file is checked against
/// <c>SHA256SUMS</c> first (nothing is written when one differs or is missing), then the databases go where the
/// configuration puts them and the rest into the data directory. The engine's database carries every folder's
/// UIDVALIDITY and next UID, so mail programs keep their caches. Only into an empty data directory: a restore never
/// mixes two installations.
/// </summary>
public static class InstallationRestore
{
    public static RestoreSummary Run(string from, BackupLocations into, Action<string> log, CancellationToken ct = default)
    {
        if (into.Provider != DatabaseProvider.Sqlite)
            throw new BackupException("The restore command restores SQLite installations; on PostgreSQL restore the database with pg_restore and the data directory with any file copy tool (see docs/operations.md).");
        from = Path.GetFullPath(from);
        if (!Directory.Exists(from)) throw new BackupException($"{from} does not exist.");
        var manifest = BackupManifest.Read(from);
        foreach (var required in new[] { InstallationBackup.MailFile, InstallationBackup.PanelFile })
            if (!manifest.ContainsKey(required)) throw new BackupException($"{from} has no {required} in {BackupManifest.FileName}: it is not a backup of this product.");
        var problems = BackupManifest.Verify(from, manifest);
        if (problems.Count > 0) throw new BackupException($"The backup in {from} is damaged, nothing was restored: {string.Join("; ", problems.Take(5))}{(problems.Count > 5 ? $" (and {problems.Count - 5} more)" : "")}.");
        log($"Backup verified: {manifest.Count} files match {BackupManifest.FileName}.");

        var mailFile = BackupLocations.SqliteFile(into.MailConnection);
        var panelFile = BackupLocations.SqliteFile(into.PanelConnection);
        var occupied = Directory.EnumerateFileSystemEntries(into.DataDirectory)
            .Where(e => !Path.GetFileName(e).StartsWith(".write-test-", StringComparison.Ordinal))
            .Concat(BackupLocations.SqliteFamily(mailFile).Concat(BackupLocations.SqliteFamily(panelFile)).Where(File.Exists))
            .FirstOrDefault();
        if (occupied is not null)
            throw new BackupException($"The data directory {into.DataDirectory} is not empty ({occupied}); restore into a fresh one (Storage:DataDirectory) so two installations are never mixed.");

        var files = 0;
        long bytes = 0;
        foreach (var (relative, hash) in manifest.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            var target = relative switch
            {
                InstallationBackup.MailFile => mailFile,
                InstallationBackup.PanelFile => panelFile,
                _ when relative.StartsWith(InstallationBackup.DataFolder + "/", StringComparison.Ordinal) =>
                    Path.Combine(into.DataDirectory, relative[(InstallationBackup.DataFolder.Length + 1)..]),
                _ => null,
            };
            if (target is null) continue;
            var copied = InstallationBackup.CopyFile(Path.Combine(from, relative), target)
                ?? throw new BackupException($"{relative} vanished from the backup while it was restored.");
            if (copied.Hash != hash) throw new BackupException($"{relative} changed while it was restored; restore again into an empty data directory.");
            files++;
            bytes += copied.Size;
        }
        return new RestoreSummary(into.DataDirectory, files, bytes);
    }
}
