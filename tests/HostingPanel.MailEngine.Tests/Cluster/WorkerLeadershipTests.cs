using System.Diagnostics;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>One node at a time runs the worker's loops; when it stops or loses the database another takes over in seconds.</summary>
public sealed class WorkerLeadershipTests(ITestOutputHelper output)
{
    // Generous for a loaded machine; the log line prints the time actually taken (retry interval 2 s + heartbeat 2 s).
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task OneOfThreeNodesLeads_AndWhenTheLeaderStops_AnotherTakesOver()
    {
        await using var cluster = await ClusterNodes.StartAsync(joined: 3);
        var leader = await SoleLeaderAsync(cluster.Joined);
        // The owner never stands: it runs no worker (Roles without Worker).
        Assert.False(Leadership(cluster.Owner).IsLeader);

        var clock = Stopwatch.StartNew();
        await cluster.StopAsync(leader);
        var next = await SoleLeaderAsync(cluster.Joined);
        output.WriteLine($"failover after an orderly stop: {clock.Elapsed.TotalSeconds:F1} s");
        Assert.NotSame(leader, next);

        // A loop that runs only on the leader runs there, and nowhere else.
        var runs = cluster.Joined.ToDictionary(n => n, n => new CountingLoop());
        var wrappers = runs.Select(r => (Node: r.Key, Service: new LeaderOnlyService<CountingLoop>(r.Value, Leadership(r.Key)))).ToList();
        foreach (var (_, service) in wrappers)
            await service.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => runs[next].Started > 0, "the leader's loop never started");
        await Task.Delay(TimeSpan.FromSeconds(3)); // longer than a retry interval: a follower that would start, would have
        Assert.All(runs.Where(r => r.Key != next), r => Assert.Equal(0, r.Value.Started));
        foreach (var (_, service) in wrappers)
            await service.StopAsync(CancellationToken.None);
        Assert.Equal(1, runs[next].Stopped);
    }

    [Fact]
    public async Task WhenTheLeadersDatabaseSessionDies_ItStepsDownAndStopsItsLoops_AndAnotherNodeLeads()
    {
        await using var cluster = await ClusterNodes.StartAsync(joined: 2);
        var leader = await SoleLeaderAsync(cluster.Joined);
        var loop = new CountingLoop();
        var wrapper = new LeaderOnlyService<CountingLoop>(loop, Leadership(leader));
        await wrapper.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => loop.Started == 1, "the leader's loop never started");

        // What PostgreSQL sees when the leader's machine or network dies.
        var clock = Stopwatch.StartNew();
        Assert.Equal(1, await cluster.TerminateHolderAsync(ClusterLockClass.WorkerLeader, 0));

        await WaitUntilAsync(() => loop.Stopped == 1, "the cut-off leader kept running its loop");
        var stepDown = clock.Elapsed;
        var next = await SoleLeaderAsync(cluster.Joined);
        output.WriteLine($"step-down after the session ended: {stepDown.TotalSeconds:F1} s; new leader elected after {clock.Elapsed.TotalSeconds:F1} s; same node: {ReferenceEquals(next, leader)}");
        await wrapper.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task OnSqlite_TheOnlyNodeLeads()
    {
        await using var node = await EngineHost.StartAsync();
        await WaitUntilAsync(() => Leadership(node).IsLeader, "the only node never led");
    }

    private static WorkerLeadership Leadership(EngineHost node) => node.Services.GetRequiredService<WorkerLeadership>();

    /// <summary>Waits until exactly one of the nodes leads, and checks it stays the only one for a moment.</summary>
    private static async Task<EngineHost> SoleLeaderAsync(IReadOnlyList<EngineHost> nodes)
    {
        EngineHost? leader = null;
        await WaitUntilAsync(() => (leader = nodes.SingleOrDefault(n => Leadership(n).IsLeader)) is not null
                                   && nodes.Count(n => Leadership(n).IsLeader) == 1, "no single leader");
        return leader!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + FailoverBound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50);
        }
    }

    private sealed class CountingLoop : BackgroundService
    {
        private int _started, _stopped;
        public int Started => Volatile.Read(ref _started);
        public int Stopped => Volatile.Read(ref _stopped);

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            Interlocked.Increment(ref _started);
            try
            {
                await Task.Delay(Timeout.Infinite, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _stopped);
            }
        }
    }
}
