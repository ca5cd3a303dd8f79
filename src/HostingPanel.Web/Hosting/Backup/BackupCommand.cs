namespace HostingPanel.Web.Hosting.Backup;

/// <summary>
/// The product's two maintenance verbs, run instead of the server:
/// <c>backup --to DIR</c> and <c>restore --from DIR</c>, followed by the same <c>--Key=Value</c> settings the server takes
/// (e.g. <c>--Storage:DataDirectory=/var/lib/hostingpanel</c>). <c>backup</c> runs beside a running installation;
/// <c>restore</c> fills a fresh data directory, which the server is then started on.
/// Exit codes: 0 done (and verified), 1 failed, 2 wrong usage.
/// </summary>
public static class BackupCommand
{
    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] is "backup" or "restore";

    public static int Run(string[] args)
    {
        var verb = args[0];
        var option = verb == "backup" ? "--to" : "--from";
        string? directory = null;
        var settings = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == option && i + 1 < args.Length) directory = args[++i];
            else if (args[i].StartsWith(option + "=", StringComparison.Ordinal)) directory = args[i][(option.Length + 1)..];
            else settings.Add(args[i]);
        }
        if (string.IsNullOrWhiteSpace(directory))
        {
            Console.Error.WriteLine($"Usage: {verb} {option} DIR [--Key=Value ...]   (the settings the server runs with, e.g. --Storage:DataDirectory=data)");
            return 2;
        }

        try
        {
            // The server's own configuration sources, in its order (appsettings.json, environment, command line).
            var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { Args = settings.ToArray() });
            var locations = BackupLocations.Read(configuration.Configuration, configuration.Environment.ContentRootPath);
            if (verb == "backup")
            {
                var s = InstallationBackup.Run(locations, directory, Console.WriteLine);
                Console.WriteLine($"Backup written to {s.Directory}: {s.Files} files, {BackupManifest.Describe(s.Bytes)}, {s.Messages} message bodies{(s.ExpungedMeanwhile > 0 ? $" ({s.ExpungedMeanwhile} expunged while it ran, left out)" : "")}; verified against {BackupManifest.FileName}.");
            }
            else
            {
                var s = InstallationRestore.Run(directory, locations, Console.WriteLine);
                Console.WriteLine($"Restored into {s.DataDirectory}: {s.Files} files, {BackupManifest.Describe(s.Bytes)}. Start the server with the same settings.");
            }
            return 0;
        }
        catch (Exception e) when (e is BackupException or StartupProblem or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine($"HostingPanel {verb} failed: {e.Message}");
            return 1;
        }
    }
}
