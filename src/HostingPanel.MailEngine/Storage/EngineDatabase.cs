using System.Data.Common;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// The engine's own database (SQLite by default, a <c>mail</c> schema on PostgreSQL otherwise):
/// connections, write transactions and the schema version. Plain ADO.NET, no EF: the engine's tables
/// are not the panel's model and have their own migrations (<see cref="EngineMigrations"/>).
/// </summary>
public sealed class EngineDatabase : IAsyncDisposable
{
    private readonly MailStorageOptions _options;
    private readonly ILogger<EngineDatabase> _logger;
    private readonly Lazy<Task> _ready;
    private readonly NpgsqlDataSource? _npgsql;

    // SQLite has one writer at a time; queuing writers here is cheaper than its busy-retry sleeps.
    private readonly SemaphoreSlim _sqliteWriteGate = new(1, 1);

    public EngineDatabase(IOptions<MailStorageOptions> options, ILogger<EngineDatabase> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (_options.Provider == DatabaseProvider.PostgreSql)
        {
            _npgsql = NpgsqlDataSource.Create(PostgresConnectionString(_options.ConnectionString));
        }
        else
        {
            BlockingStoreThreads.EnsureFloor();
        }
        _ready = new Lazy<Task>(() => EngineMigrations.ApplyAsync(this, _logger, CancellationToken.None));
    }

    /// <summary>
    /// The engine's PostgreSQL connection string: its own schema, and, unless the operator set them,
    /// statements prepared after their second use (the engine's SQL is a small fixed set, so the server
    /// parses and plans each once per connection rather than on every command) and no DISCARD ALL when a
    /// connection goes back to the pool, which would throw those plans away (the engine leaves no session
    /// state behind: no SET, no temporary tables, only transaction-scoped advisory locks).
    /// </summary>
    internal static string PostgresConnectionString(string configured)
    {
        var builder = new NpgsqlConnectionStringBuilder(configured) { SearchPath = EngineMigrations.PostgresSchema };
        if (!Mentions(configured, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 128;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!Mentions(configured, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;

        static bool Mentions(string connectionString, params string[] keys) =>
            keys.Any(k => connectionString.Contains(k, StringComparison.OrdinalIgnoreCase));
    }

    public DatabaseProvider Provider => _options.Provider;
    public bool IsSqlite => _options.Provider == DatabaseProvider.Sqlite;

    /// <summary>Applies migrations once per process; every public store call awaits it.</summary>
    public Task EnsureReadyAsync() => _ready.Value;

    internal async Task<DbConnection> OpenRawAsync(CancellationToken ct)
    {
        if (_npgsql is not null)
            return await _npgsql.OpenConnectionAsync(ct);
        var connection = new SqliteConnection(_options.ConnectionString);
        await connection.OpenAsync(ct);
        // Some SQLite builds default WAL databases to synchronous=NORMAL, which skips the commit fsync:
        // a power cut could then lose a message already acknowledged.
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=FULL;";
            await pragma.ExecuteNonQueryAsync(ct);
        }
        return connection;
    }

    /// <summary>
    /// Health: a fresh connection (never a pooled one, which would keep a deleted SQLite file alive) reads the
    /// schema version. On SQLite the file must exist: a missing database is a failure, not a new empty file.
    /// </summary>
    public async Task ProbeAsync(CancellationToken ct = default)
    {
        DbConnection connection;
        if (_npgsql is not null)
        {
            connection = await _npgsql.OpenConnectionAsync(ct);
        }
        else
        {
            var builder = new SqliteConnectionStringBuilder(_options.ConnectionString) { Mode = SqliteOpenMode.ReadWrite, Pooling = false };
            connection = new SqliteConnection(builder.ToString());
            await connection.OpenAsync(ct);
        }
        await using (connection)
            await connection.ScalarAsync(null, "SELECT MAX(version) FROM schema_migrations");
    }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        await EnsureReadyAsync();
        return await OpenRawAsync(ct);
    }

    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        return await work(connection);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction and commits it. On PostgreSQL a deadlock
    /// or serialization failure is retried, because the work is written to be repeatable.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default) =>
        WriteAsync(work, durable: true, ct);

    /// <summary>
    /// A write transaction for state that a crash may take back without harm, such as which session saw a message
    /// as \Recent first: its commit does not wait for the disk (SQLite: <c>synchronous=NORMAL</c> for this
    /// transaction, which in WAL mode keeps the database consistent and loses at most the last such commits;
    /// PostgreSQL: <c>synchronous_commit = off</c> for this transaction). The next durable commit makes it durable
    /// too, as both logs are written in order. Never for anything a client was told is stored.
    /// </summary>
    public Task<T> WriteForgettableAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default) =>
        WriteAsync(work, durable: false, ct);

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, bool durable, CancellationToken ct)
    {
        await EnsureReadyAsync();
        if (IsSqlite)
        {
            await _sqliteWriteGate.WaitAsync(ct);
            try
            {
                await using var connection = await OpenRawAsync(ct);
                if (!durable)
                    await connection.ExecAsync(null, "PRAGMA synchronous=NORMAL;");
                try
                {
                    await using var tx = await connection.BeginTransactionAsync(ct);
                    var result = await work(connection, tx);
                    await tx.CommitAsync(ct);
                    return result;
                }
                finally
                {
                    // The connection goes back to the pool: whoever takes it next commits durably.
                    if (!durable)
                        await connection.ExecAsync(null, "PRAGMA synchronous=FULL;");
                }
            }
            finally
            {
                _sqliteWriteGate.Release();
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await OpenRawAsync(ct);
                await using var tx = await connection.BeginTransactionAsync(ct);
                if (!durable)
                    await connection.ExecAsync(tx, "SET LOCAL synchronous_commit = off");
                var result = await work(connection, tx);
                await tx.CommitAsync(ct);
                return result;
            }
            catch (PostgresException e) when (attempt < 5 && e.SqlState is "40P01" or "40001")
            {
                await Task.Delay(Random.Shared.Next(1, 20) * attempt, ct);
            }
        }
    }

    public Task WriteAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken ct = default) =>
        WriteAsync<bool>(async (c, t) => { await work(c, t); return true; }, ct);

    public async ValueTask DisposeAsync()
    {
        if (_npgsql is not null)
            await _npgsql.DisposeAsync();
        _sqliteWriteGate.Dispose();
    }
}

/// <summary>Small ADO.NET helpers so that SQL reads as SQL.</summary>
internal static class DbExtensions
{
    public static DbCommand Command(this DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    public static async Task<int> ExecAsync(this DbConnection connection, DbTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        await using var command = connection.Command(tx, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<long?> ScalarAsync(this DbConnection connection, DbTransaction? tx, string sql, params (string, object?)[] parameters)
    {
        await using var command = connection.Command(tx, sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? null : Convert.ToInt64(value);
    }

    public static async Task<List<T>> QueryAsync<T>(this DbConnection connection, DbTransaction? tx, string sql, Func<DbDataReader, T> map, params (string, object?)[] parameters)
    {
        await using var command = connection.Command(tx, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<T>();
        while (await reader.ReadAsync())
            list.Add(map(reader));
        return list;
    }

    public static long Long(this DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i));
    public static long? LongOrNull(this DbDataReader r, int i) => r.IsDBNull(i) ? null : Convert.ToInt64(r.GetValue(i));
    public static string? StringOrNull(this DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    public static bool Bool(this DbDataReader r, int i) => Convert.ToInt64(r.GetValue(i)) != 0;
}
