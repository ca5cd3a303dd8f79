namespace HostingPanel.MailEngine.Storage;

/// <summary>The <c>Storage:*</c> and <c>Database:*</c> settings the engine reads.</summary>
public sealed class MailStorageOptions
{
    public string DataDirectory { get; set; } = "data";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Resolved connection string of the engine database.</summary>
    public string ConnectionString { get; set; } = "";
}

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}
