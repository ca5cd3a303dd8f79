using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.Web.Hosting.Health;

/// <summary>
/// The panel database answers a read of its migration history on a fresh, unpooled connection: a pooled one
/// would keep a deleted SQLite file, or a PostgreSQL database renamed away, looking alive. On SQLite the file
/// must exist (no create), so a vanished database is reported instead of replaced by an empty one.
/// </summary>
public sealed class PanelDatabaseHealthCheck(PanelSettings settings) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var connection = Open();
            await connection.OpenAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM \"__EFMigrationsHistory\"";
            await command.ExecuteScalarAsync(ct);
            return HealthCheckResult.Healthy("the panel database answers");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("the panel database does not answer", e);
        }
    }

    private System.Data.Common.DbConnection Open() => settings.Provider == DatabaseProvider.Sqlite
        ? new SqliteConnection(new SqliteConnectionStringBuilder(settings.PanelConnectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString())
        : new NpgsqlConnection(new NpgsqlConnectionStringBuilder(settings.PanelConnectionString) { Pooling = false }.ToString());
}
