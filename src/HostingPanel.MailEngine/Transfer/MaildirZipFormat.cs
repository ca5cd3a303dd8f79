using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace HostingPanel.MailEngine.Transfer;

/// <summary>
/// A mailbox as a zip of Maildir folders: <c>{folder}/cur/{internal date}.{uid}.hostingpanel,S={size}:2,{flags}</c>, one
/// directory per folder ('/' between levels, as in the folder's name), message files as stored (CRLF), flags as Maildir
/// letters (D F R S T). Keywords are not kept in this format (the mbox export keeps them). Path segments that a zip
/// tool could take for something else ("." and "..", '\', ':', '%', control characters) are percent-encoded.
/// </summary>
public static class MaildirZipFormat
{
    public static void WriteMessage(ZipArchive zip, string folder, long uid, long size, Storage.MessageFlags flags, DateTimeOffset internalDate, Stream body)
    {
        var name = $"{EncodePath(folder)}/cur/{internalDate.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.{uid.ToString(CultureInfo.InvariantCulture)}.hostingpanel,S={size.ToString(CultureInfo.InvariantCulture)}:{TransferFlags.ToMaildir(flags)}";
        // Mail is mostly text; the fastest level keeps a large export streaming at disk speed.
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        entry.LastWriteTime = internalDate.Year is >= 1980 and <= 2107 ? internalDate : new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var target = entry.Open();
        body.CopyTo(target);
    }

    /// <summary>The messages of a zip, one at a time; entries outside a cur/ or new/ directory are ignored.</summary>
    public static IEnumerable<ImportedMessage> Read(ZipArchive zip, Action<string> error)
    {
        foreach (var entry in zip.Entries)
        {
            var path = entry.FullName.Replace('\\', '/');
            var marker = Math.Max(path.LastIndexOf("/cur/", StringComparison.Ordinal), path.LastIndexOf("/new/", StringComparison.Ordinal));
            if (marker <= 0 || path.EndsWith('/')) continue;
            var folder = DecodePath(path[..marker]);
            var file = path[(marker + 5)..];
            if (file.Contains('/')) continue;
            if (entry.Length > MboxFormat.MaxMessageBytes) { error($"{path} is larger than {MboxFormat.MaxMessageBytes} bytes: skipped."); continue; }
            using var source = entry.Open();
            using var buffer = new MemoryStream();
            // Entry.Length is what the zip says; read no more than the limit whatever it says (a zip bomb lies).
            var chunk = new byte[81920];
            int read;
            var tooLarge = false;
            while ((read = source.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MboxFormat.MaxMessageBytes) { tooLarge = true; break; }
                buffer.Write(chunk, 0, read);
            }
            if (tooLarge) { error($"{path} is larger than {MboxFormat.MaxMessageBytes} bytes: skipped."); continue; }
            var dot = file.IndexOf('.');
            DateTimeOffset? date = dot > 0 && long.TryParse(file[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var unix) && unix < 253402300800
                ? DateTimeOffset.FromUnixTimeSeconds(unix) : entry.LastWriteTime;
            yield return new ImportedMessage(folder, buffer.ToArray(), TransferFlags.FromMaildir(file), [], date);
        }
    }

    private static string EncodePath(string folder) => string.Join('/', folder.Split('/').Select(EncodeSegment));

    private static string EncodeSegment(string segment)
    {
        if (segment is "." or "..") return string.Concat(segment.Select(_ => "%2E"));
        var b = new StringBuilder(segment.Length);
        foreach (var c in segment)
        {
            if (c is '%' or '\\' or ':' || char.IsControl(c)) b.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            else b.Append(c);
        }
        return b.ToString();
    }

    private static string DecodePath(string path)
    {
        try
        {
            return string.Join('/', path.Split('/').Select(Uri.UnescapeDataString));
        }
        catch (UriFormatException)
        {
            return path;
        }
    }
}
