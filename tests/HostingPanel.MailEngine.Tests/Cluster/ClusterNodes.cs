using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// Several engine nodes on one PostgreSQL database, as behind a balancer. The first node owns the database (it
/// is dropped with it) and never stands for the worker's leadership, so the nodes a test stops or cuts off are
/// always the joined ones.
/// </summary>
public sealed class ClusterNodes : IAsyncDisposable
{
    private readonly List<EngineHost> _joined = [];

    private ClusterNodes(EngineHost owner) => Owner = owner;

    public EngineHost Owner { get; }
    public IReadOnlyList<EngineHost> Joined => _joined;

    public static async Task<ClusterNodes> StartAsync(int joined, Dictionary<string, string?>? settings = null)
    {
        var owner = await EngineHost.StartPostgresAsync(settings, s => s.PostConfigure<WorkerLeadershipOptions>(o => o.Candidate = false));
        var cluster = new ClusterNodes(owner);
        try
        {
            for (var i = 0; i < joined; i++)
                await cluster.JoinAsync(settings);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public async Task<EngineHost> JoinAsync(Dictionary<string, string?>? settings = null)
    {
        var node = await EngineHost.StartPostgresAsync(new(settings ?? []) { ["ConnectionStrings:Panel"] = Owner.PanelConnectionString });
        _joined.Add(node);
        return node;
    }

    /// <summary>Stops a joined node as an orderly shutdown would (its database sessions end).</summary>
    public async Task StopAsync(EngineHost node)
    {
        _joined.Remove(node);
        await node.DisposeAsync();
    }

    /// <summary>
    /// Ends, from the server side, the database session that holds <paramref name="lockClass"/>/<paramref name="id"/>:
    /// what PostgreSQL sees when that node dies or its network goes. Returns the number of sessions ended.
    /// </summary>
    public Task<int> TerminateHolderAsync(ClusterLockClass lockClass, long id) => OnHoldersAsync("count(pg_terminate_backend(pid))", lockClass, id);

    /// <summary>How many database sessions hold <paramref name="lockClass"/>/<paramref name="id"/> (0 or 1).</summary>
    public Task<int> HoldersAsync(ClusterLockClass lockClass, long id) => OnHoldersAsync("count(*)", lockClass, id);

    private async Task<int> OnHoldersAsync(string select, ClusterLockClass lockClass, long id)
    {
        var key = ClusterLocks.Key(lockClass, id);
        await using var connection = new NpgsqlConnection(Owner.PanelConnectionString);
        await connection.OpenAsync();
        // A bigint advisory key shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
        // pg_locks lists every database of the server: only this cluster's own database counts (tests running beside
        // this one hold the same keys in theirs, and terminating their sessions would fail them).
        await using var command = new NpgsqlCommand(
            $"SELECT {select} FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 AND classid = @hi AND objid = @lo " +
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            connection);
        command.Parameters.AddWithValue("hi", NpgsqlTypes.NpgsqlDbType.Oid, (uint)(key >> 32));
        command.Parameters.AddWithValue("lo", NpgsqlTypes.NpgsqlDbType.Oid, (uint)(key & 0xFFFFFFFF));
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _joined.ToList())
            await node.DisposeAsync();
        await Owner.DisposeAsync();
    }
}
