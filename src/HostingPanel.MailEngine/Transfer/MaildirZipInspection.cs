using System.IO.Compression;

namespace HostingPanel.MailEngine.Transfer;

/// <summary>
/// Looks at a zip's directory before any message is read, and refuses the whole upload when it is hostile or is not an
/// export: an entry whose path could leave a directory when unpacked ("zip slip": "..", an absolute path, a drive letter,
/// a backslash), an entry larger than a message may be or compressed far beyond what mail compresses to (a zip bomb),
/// more unpacked bytes in total than the mailbox could hold, or no Maildir message at all. Nothing is stored from a
/// refused zip. The sizes in the directory can lie: <see cref="MaildirZipFormat.Read"/> still stops reading each entry at
/// the limit.
/// </summary>
public static class MaildirZipInspection
{
    /// <summary>Text compresses 5 to 10 times; 200 times is only ever a block of one repeated byte.</summary>
    public const int MaxCompressionRatio = 200;
    /// <summary>Small entries are not worth the ratio check (a tiny message of repeated header text compresses well).</summary>
    private const long RatioCheckFrom = 1024 * 1024;

    /// <returns>Null when the zip may be imported; otherwise why not, for the user.</returns>
    public static string? Refusal(ZipArchive zip, long maxTotalBytes)
    {
        long total = 0;
        var messages = 0;
        foreach (var entry in zip.Entries)
        {
            var path = entry.FullName;
            if (!IsSafePath(path))
                return $"The zip has an entry with an unsafe path (\"{Printable(path)}\"), which could be written outside its folder when unpacked; nothing was imported.";
            if (entry.Length > MboxFormat.MaxMessageBytes)
                return $"The zip entry \"{Printable(path)}\" unpacks to {entry.Length} bytes, more than a message may have ({MboxFormat.MaxMessageBytes}); nothing was imported.";
            if (entry.Length >= RatioCheckFrom && entry.Length > (long)MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
                return $"The zip entry \"{Printable(path)}\" is compressed more than {MaxCompressionRatio} to 1 ({entry.CompressedLength} to {entry.Length} bytes), as only a zip bomb is; nothing was imported.";
            total += entry.Length;
            if (total > maxTotalBytes)
                return $"The zip unpacks to more than {maxTotalBytes} bytes, more than this mailbox could hold; nothing was imported.";
            if (IsMaildirMessage(path)) messages++;
        }
        return messages == 0 ? "The zip holds no Maildir messages (files in a folder's cur/ or new/ directory); nothing was imported." : null;
    }

    private static bool IsMaildirMessage(string path) =>
        !path.EndsWith('/') && (path.IndexOf("/cur/", StringComparison.Ordinal) > 0 || path.IndexOf("/new/", StringComparison.Ordinal) > 0);

    /// <summary>
    /// Relative, '/'-separated, no "." or ".." segment, no drive letter ("C:") or control character. A ':' elsewhere is
    /// fine: Maildir file names carry their flags after one (":2,S").
    /// </summary>
    public static bool IsSafePath(string path) =>
        path.Length > 0 && !path.StartsWith('/') && !path.Contains('\\') && !path.Any(char.IsControl)
        && !(path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':')
        && path.TrimEnd('/').Split('/').All(s => s.Length > 0 && s != "." && s != "..");

    private static string Printable(string path) => new(path.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
