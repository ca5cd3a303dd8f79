using HostingPanel.MailEngine.Storage;

namespace HostingPanel.Web.Hosting;

public enum DatabaseProvider { Sqlite, PostgreSql }

/// <summary>Settings read once at start-up (docs/contract.md section 2), checked before anything is built on them.</summary>
public sealed record PanelSettings(DatabaseProvider Provider, string PanelConnectionString, string DataDirectory, PanelRoles Roles)
{
    public static PanelSettings Read(IConfiguration config, string contentRoot)
    {
        var providerText = config["Database:Provider"] ?? "Sqlite";
        if (!Enum.TryParse<DatabaseProvider>(providerText, ignoreCase: true, out var provider) || int.TryParse(providerText, out _))
            throw new StartupProblem($"Database:Provider is '{providerText}'; set it to Sqlite or PostgreSql.");

        var dataDirectory = Path.GetFullPath(config["Storage:DataDirectory"] ?? "data", contentRoot);
        EnsureWritable(dataDirectory);

        var connection = config.GetConnectionString("Panel");
        if (provider == DatabaseProvider.Sqlite)
        {
            // A relative SQLite file is relative to the data directory's parent, as `Data Source=data/panel.db` implies.
            connection ??= $"Data Source={Path.Combine(dataDirectory, "panel.db")}";
            var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connection);
            if (!Path.IsPathRooted(builder.DataSource) && builder.DataSource != ":memory:")
                builder.DataSource = Path.GetFullPath(builder.DataSource, contentRoot);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
            connection = builder.ToString();
        }
        else if (string.IsNullOrWhiteSpace(connection))
        {
            throw new StartupProblem("Database:Provider is PostgreSql but ConnectionStrings:Panel is not set; set it, e.g. ConnectionStrings__Panel=\"Host=127.0.0.1;Database=hostingpanel;Username=...;Password=...\".");
        }

        return new PanelSettings(provider, connection, dataDirectory, PanelRoles.Parse(config["Roles"]));
    }

    private static void EnsureWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupProblem($"The data directory {directory} is not writable ({e.Message}); set Storage:DataDirectory to a writable folder or fix its permissions.", e);
        }
    }
}

/// <summary>Which roles this process runs (`Roles=Portal,Worker,Mail`); all three by default.</summary>
public sealed record PanelRoles(bool Portal, bool Worker, bool Mail)
{
    public static PanelRoles Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new PanelRoles(true, true, true);
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = parts.Where(p => !new[] { "portal", "worker", "mail" }.Contains(p.ToLowerInvariant())).ToList();
        if (unknown.Count > 0) throw new StartupProblem($"Roles has unknown role(s) {string.Join(", ", unknown)}; use Portal, Worker and/or Mail.");
        bool Has(string r) => parts.Any(p => p.Equals(r, StringComparison.OrdinalIgnoreCase));
        return new PanelRoles(Has("portal"), Has("worker"), Has("mail"));
    }
}
