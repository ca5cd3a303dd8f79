using System.Security.Cryptography;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>
/// A random 256-bit key kept in a file only the product's user can read (mode 600), created on first use: the DKIM
/// key protector's and the SRS secret's. Written to a unique temporary file, flushed to disk, then renamed without
/// overwriting, so two processes starting together end up reading the same key and nobody sees half a file.
/// </summary>
internal static class SecretKeyFile
{
    public const int KeyBytes = 32;

    public static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
            return File.ReadAllBytes(path);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(KeyBytes);
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            file.Write(key);
            file.Flush(flushToDisk: true);
        }
        try
        {
            // The first rename wins; a loser drops its own key and reads the winner's.
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException)
        {
            File.Delete(temp);
        }
        return File.ReadAllBytes(path);
    }
}
