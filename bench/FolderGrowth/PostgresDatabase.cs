using Npgsql;

namespace HostingPanel.Bench.FolderGrowth;

/// <summary>A throwaway database for one run on PostgreSQL.</summary>
internal static class PostgresDatabase
{
    public static Task CreateAsync(string server, string name) => RunAsync(server, $"CREATE DATABASE {name}");

    public static Task DropAsync(string server, string name) => RunAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");

    private static async Task RunAsync(string server, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
