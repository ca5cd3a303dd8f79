using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HostingPanel.Web.Hosting.Backup;

/// <summary>
/// The checksums of a backup, one line per file in <c>sha256sum</c>'s format (<c>{hex}  {relative path}</c>), so that an
/// operator can also check a copy with <c>sha256sum -c SHA256SUMS</c>. Written last: a backup without it is incomplete.
/// </summary>
public static class BackupManifest
{
    public const string FileName = "SHA256SUMS";

    public static void Write(string backupDirectory, IReadOnlyDictionary<string, string> hashes)
    {
        var text = new StringBuilder();
        foreach (var (path, hash) in hashes.OrderBy(h => h.Key, StringComparer.Ordinal)) text.Append(hash).Append("  ").Append(path).Append('\n');
        var target = Path.Combine(backupDirectory, FileName);
        using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
        file.Write(Encoding.UTF8.GetBytes(text.ToString()));
        file.Flush(flushToDisk: true);
    }

    /// <summary>The manifest's entries; a path that could leave the backup directory makes the whole manifest invalid.</summary>
    public static IReadOnlyDictionary<string, string> Read(string backupDirectory)
    {
        var path = Path.Combine(backupDirectory, FileName);
        if (!File.Exists(path)) throw new BackupException($"{backupDirectory} has no {FileName}: it is not a complete backup.");
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path, Encoding.UTF8))
        {
            if (line.Length == 0) continue;
            var split = line.IndexOf("  ", StringComparison.Ordinal);
            if (split != 64 || !IsSafeRelativePath(line[66..])) throw new BackupException($"{FileName} has a malformed or unsafe line: \"{line}\".");
            entries[line[66..]] = line[..64];
        }
        return entries;
    }

    /// <summary>Re-reads every file from disk and compares it with the manifest; returns what differs (empty: verified).</summary>
    public static List<string> Verify(string backupDirectory, IReadOnlyDictionary<string, string> hashes)
    {
        var problems = new List<string>();
        foreach (var (path, hash) in hashes)
        {
            var full = Path.Combine(backupDirectory, path);
            if (!File.Exists(full)) problems.Add($"{path} is missing");
            else if (HashOf(full) != hash) problems.Add($"{path} does not match its checksum");
        }
        return problems;
    }

    public static string HashOf(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Relative, '/'-separated, without "." or ".." segments or a leading '/': it stays inside the directory it is joined to.</summary>
    public static bool IsSafeRelativePath(string path) =>
        path.Length > 0 && !path.StartsWith('/') && !path.Contains('\\') && !path.Contains('\0')
        && path.Split('/').All(s => s.Length > 0 && s != "." && s != "..");

    public static string Describe(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}

/// <summary>A backup or restore that cannot go on, with a message for the operator.</summary>
public sealed class BackupException(string message) : Exception(message);
