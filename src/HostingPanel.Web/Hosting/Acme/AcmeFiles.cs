namespace HostingPanel.Web.Hosting.Acme;

/// <summary>Writes that a crash cannot leave half-done: a temporary file, then a rename over the old one.</summary>
internal static class AcmeFiles
{
    public static void WriteSecret(string path, string text) => Write(path, text, secret: true);

    public static void Write(string path, string text, bool secret = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        if (secret && !OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, path, overwrite: true);
    }
}
