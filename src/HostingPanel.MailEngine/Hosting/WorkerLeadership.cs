using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>Whether this process stands for the worker's leadership, and how often a follower asks.</summary>
public sealed class WorkerLeadershipOptions
{
    /// <summary>False on a mail node that does not run the worker (Roles without Worker): it never leads.</summary>
    public bool Candidate { get; set; } = true;

    /// <summary>How often a follower tries to take the lead: with the heartbeat, the failover time.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// One node at a time runs the worker's loops (provisioning, usage, reconciliation, domain checks, migrations,
/// retention and purges): the node that holds the <see cref="ClusterLockClass.WorkerLeader"/> advisory lock.
/// The others try again every <see cref="WorkerLeadershipOptions.RetryInterval"/>; when the leader dies its
/// database session ends, the lock is free, and the next follower to ask takes over: a failover of a few
/// seconds. A leader whose lock connection breaks steps down at once (its term's token is cancelled), so two
/// nodes never both believe they lead for longer than the heartbeat. On SQLite the only node leads.
/// </summary>
public sealed class WorkerLeadership(ClusterLocks locks, IOptions<WorkerLeadershipOptions> options, TimeProvider time, ILogger<WorkerLeadership> logger) : BackgroundService
{
    private readonly object _sync = new();
    private TaskCompletionSource<CancellationToken> _nextTerm = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _term;
    private DateTimeOffset? _termStartedAt;

    /// <summary>When this node's current term began; null while it does not lead. Health measures the worker's silence from here at the earliest.</summary>
    public DateTimeOffset? TermStartedAt
    {
        get
        {
            lock (_sync)
                return _term is { IsCancellationRequested: false } ? _termStartedAt : null;
        }
    }

    public bool IsLeader
    {
        get
        {
            lock (_sync)
                return _term is { IsCancellationRequested: false };
        }
    }

    /// <summary>Waits until this node leads; the token returned is cancelled when that term ends.</summary>
    public Task<CancellationToken> WaitForTermAsync(CancellationToken ct)
    {
        lock (_sync)
            return _term is { IsCancellationRequested: false } term ? Task.FromResult(term.Token) : _nextTerm.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Candidate)
            return;
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!IsLeader && await locks.TryAcquireAsync(ClusterLockClass.WorkerLeader, 0, stoppingToken))
                    BeginTerm();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not ask for the worker's leadership; trying again");
            }
            try
            {
                await Task.Delay(options.Value.RetryInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        EndTerm("the node is stopping");
    }

    private void BeginTerm()
    {
        var lost = locks.LostToken;
        lock (_sync)
        {
            _term = new CancellationTokenSource();
            _termStartedAt = time.GetUtcNow();
            _nextTerm.TrySetResult(_term.Token);
            _nextTerm = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        lost.Register(() => EndTerm("its database connection was lost"));
        logger.LogInformation("This node now runs the worker's loops (leader{Shared})", locks.IsShared ? ", elected" : "");
    }

    private void EndTerm(string why)
    {
        CancellationTokenSource? term;
        lock (_sync)
        {
            term = _term;
            _term = null;
        }
        if (term is null || term.IsCancellationRequested)
            return;
        logger.LogWarning("This node no longer runs the worker's loops: {Why}", why);
        term.Cancel();
    }
}

/// <summary>
/// Runs a background loop only while this node leads (<see cref="WorkerLeadership"/>): started at the start of
/// each term with a token that the end of the term cancels, and stopped before the next term is awaited.
/// Generic so that each wrapped loop is a hosted service of its own type (AddHostedService keeps one per type).
/// </summary>
public sealed class LeaderOnlyService<TLoop>(TLoop inner, WorkerLeadership leadership) : LeaderOnlyService(inner, leadership)
    where TLoop : BackgroundService;

/// <summary>See <see cref="LeaderOnlyService{TLoop}"/>; <see cref="Inner"/> is the loop it runs.</summary>
public abstract class LeaderOnlyService(BackgroundService inner, WorkerLeadership leadership) : BackgroundService
{
    public BackgroundService Inner => inner;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationToken term;
            try
            {
                term = await leadership.WaitForTermAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using var running = CancellationTokenSource.CreateLinkedTokenSource(term, stoppingToken);
            await inner.StartAsync(running.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, running.Token);
            }
            catch (OperationCanceledException)
            {
            }
            await inner.StopAsync(CancellationToken.None);
        }
    }
}
