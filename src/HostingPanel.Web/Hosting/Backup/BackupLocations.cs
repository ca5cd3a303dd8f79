using Microsoft.Data.Sqlite;

namespace HostingPanel.Web.Hosting.Backup;

/// <summary>
/// Where an installation keeps what a backup must hold, read from the same configuration the product starts with
/// (appsettings.json, environment, <c>--Key=Value</c>): the data directory, the panel database and the engine's database.
/// </summary>
public sealed record BackupLocations(string DataDirectory, DatabaseProvider Provider, string PanelConnection, string MailConnection, bool BodiesInS3)
{
    public static BackupLocations Read(IConfiguration configuration, string contentRoot)
    {
        var settings = PanelSettings.Read(configuration, contentRoot);
        var mail = configuration.GetConnectionString("Mail");
        if (string.IsNullOrWhiteSpace(mail))
            mail = settings.Provider == DatabaseProvider.Sqlite
                ? new SqliteConnectionStringBuilder { DataSource = Path.Combine(settings.DataDirectory, "mail.db") }.ToString()
                : settings.PanelConnectionString;
        var s3 = string.Equals(configuration["Storage:Blobs:Provider"], "S3", StringComparison.OrdinalIgnoreCase);
        return new BackupLocations(settings.DataDirectory, settings.Provider, settings.PanelConnectionString, mail, s3);
    }

    /// <summary>The SQLite file behind a connection string (full path).</summary>
    public static string SqliteFile(string connectionString) => Path.GetFullPath(new SqliteConnectionStringBuilder(connectionString).DataSource);

    /// <summary>The files a running SQLite database consists of: the database and its journal files.</summary>
    public static IEnumerable<string> SqliteFamily(string file) => [file, file + "-wal", file + "-shm", file + "-journal"];

    /// <summary>The message store of the File provider (bodies as immutable files).</summary>
    public string StoreDirectory => Path.Combine(DataDirectory, "store");
}
