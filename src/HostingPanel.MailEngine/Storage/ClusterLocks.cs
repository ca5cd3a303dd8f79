using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HostingPanel.MailEngine.Storage;

/// <summary>What a cluster lock protects; the class is part of the PostgreSQL advisory key.</summary>
public enum ClusterLockClass
{
    /// <summary>RFC 1939 section 8: one POP3 session per maildrop, across nodes.</summary>
    Pop3Maildrop = 1,

    /// <summary>The node that runs the worker's loops (<see cref="WorkerLeadership"/>).</summary>
    WorkerLeader = 2,
}

/// <summary>
/// Locks that hold across engine nodes sharing one PostgreSQL database: session-level advisory locks
/// (<c>pg_try_advisory_lock</c>) taken on one dedicated, unpooled connection per node. A node that dies
/// (killed, crashed, cut off) loses that connection and PostgreSQL frees its locks at once; no lease
/// has to run out. While a node holds any lock the connection is probed every <see cref="HeartbeatInterval"/>,
/// so a node whose connection broke learns within seconds that its locks are gone
/// (<see cref="LostToken"/> is cancelled) and stops acting on them.
/// On SQLite one process owns the store: every lock is granted here and only the caller's own
/// in-process bookkeeping decides.
/// </summary>
/// <remarks>
/// Key space: the single-bigint advisory key <c>(class &lt;&lt; 40) | id</c>. The engine's other advisory locks
/// (migrations, send limits) use 32-bit keys, which never reach 2^40. Ids must stay below 2^40.
/// </remarks>
public sealed class ClusterLocks(EngineDatabase db, IOptions<MailStorageOptions> options, ILogger<ClusterLocks> logger) : BackgroundService
{
    internal static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(2);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly HashSet<long> _held = [];
    private NpgsqlConnection? _connection;
    private CancellationTokenSource _lost = new();

    public bool IsShared => !db.IsSqlite;

    /// <summary>Cancelled when the lock connection broke: every lock taken before is gone.</summary>
    public CancellationToken LostToken
    {
        get
        {
            lock (_held)
                return _lost.Token;
        }
    }

    public static long Key(ClusterLockClass lockClass, long id)
    {
        if (id is < 0 or >= 1L << 40)
            throw new ArgumentOutOfRangeException(nameof(id), id, "cluster lock ids must be below 2^40");
        return ((long)lockClass << 40) | id;
    }

    /// <summary>True when this node now holds the lock (or already did); false when another node does.</summary>
    public async Task<bool> TryAcquireAsync(ClusterLockClass lockClass, long id, CancellationToken ct)
    {
        if (!IsShared)
            return true;
        var key = Key(lockClass, id);
        await _gate.WaitAsync(ct);
        try
        {
            lock (_held)
                if (_held.Contains(key))
                    return true;
            var connection = await ConnectionAsync(ct);
            bool granted;
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", connection);
                command.Parameters.AddWithValue("k", key);
                granted = (bool)(await command.ExecuteScalarAsync(ct))!;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                Broken(e);
                throw;
            }
            if (granted)
                lock (_held)
                    _held.Add(key);
            return granted;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReleaseAsync(ClusterLockClass lockClass, long id)
    {
        if (!IsShared)
            return;
        var key = Key(lockClass, id);
        await _gate.WaitAsync();
        try
        {
            lock (_held)
                if (!_held.Remove(key))
                    return;
            if (_connection is null)
                return;
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", _connection);
                command.Parameters.AddWithValue("k", key);
                await command.ExecuteScalarAsync();
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                Broken(e);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The heartbeat: a held lock is only as good as the connection it lives on.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsShared)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(HeartbeatInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await _gate.WaitAsync(stoppingToken);
            try
            {
                bool holding;
                lock (_held)
                    holding = _held.Count > 0;
                if (!holding || _connection is null)
                    continue;
                await using var command = new NpgsqlCommand("SELECT 1", _connection) { CommandTimeout = 5 };
                await command.ExecuteScalarAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                Broken(e);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken ct)
    {
        if (_connection is { State: System.Data.ConnectionState.Open })
            return _connection;
        await db.EnsureReadyAsync();
        // Unpooled: closing it must end the server session, which is what frees the locks.
        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString)
        {
            Pooling = false,
            ApplicationName = "hostingpanel-cluster-locks",
            KeepAlive = 5,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct);
        _connection = connection;
        return connection;
    }

    /// <summary>The connection is gone, and with it every lock: say so, and start afresh on the next call.</summary>
    private void Broken(Exception e)
    {
        logger.LogWarning(e, "Cluster lock connection lost; the locks this node held are released");
        var connection = _connection;
        _connection = null;
        CancellationTokenSource lost;
        lock (_held)
        {
            _held.Clear();
            lost = _lost;
            _lost = new CancellationTokenSource();
        }
        _ = connection?.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
        lost.Cancel();
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Closing the connection releases every lock this node held, for the other nodes to take.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is not null)
                await _connection.DisposeAsync();
            _connection = null;
            lock (_held)
                _held.Clear();
        }
        finally
        {
            _gate.Release();
        }
    }
}
