using System.Diagnostics;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// Runs N asynchronous clients in this one process. The measured interval starts when every client
/// has called <see cref="ClientContext.ReadyAsync"/> (connected and logged in), so that session set-up,
/// the {ARGON2ID} check included, is not charged to the workload, and ends when the last client is
/// done or the duration is over. Clients check <see cref="ClientContext.TimeIsUp"/> between
/// operations, so operations are never cut in half; a hard stop cancels whatever still hangs.
/// </summary>
internal static class ClientRunner
{
    public sealed record RunOutcome(Dictionary<string, OpSamples> Ops, TimeSpan Elapsed, int FailedClients, string? FirstFailure);

    public static async Task<RunOutcome> RunAsync(int clients, TimeSpan duration, Func<ClientContext, Task> client)
    {
        using var hardStop = new CancellationTokenSource(duration + TimeSpan.FromSeconds(120));
        var clock = new RunClock(clients, duration);
        var contexts = Enumerable.Range(0, clients).Select(i => new ClientContext(i, clients, clock, hardStop.Token)).ToList();
        var failures = 0;
        string? firstFailure = null;
        var tasks = contexts.Select(async c =>
        {
            try
            {
                await client(c).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Interlocked.Increment(ref failures);
                Interlocked.CompareExchange(ref firstFailure, $"client {c.Index}: {ex.GetType().Name}: {ex.Message}", null);
            }
            finally
            {
                c.MarkReady(); // a client that failed or never waited must not hold the others back
            }
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(clock.Start);
        return new RunOutcome(Recorder.Merge(contexts.Select(c => c.Recorder)), elapsed, failures, firstFailure);
    }
}

/// <summary>Start barrier and deadline shared by the clients of one run.</summary>
internal sealed class RunClock(int clients, TimeSpan duration)
{
    private readonly TaskCompletionSource _allReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting = clients;

    public long Start { get; private set; } = Stopwatch.GetTimestamp();
    public long Deadline { get; private set; } = long.MaxValue;
    public Task AllReady => _allReady.Task;

    public void Arrive()
    {
        if (Interlocked.Decrement(ref _waiting) != 0) return;
        Start = Stopwatch.GetTimestamp();
        Deadline = Start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        _allReady.TrySetResult();
    }
}

internal sealed class ClientContext(int index, int clients, RunClock clock, CancellationToken hardStop)
{
    private int _ready;

    public int Index { get; } = index;
    public int Clients { get; } = clients;
    public Recorder Recorder { get; } = new();
    public CancellationToken Token { get; } = hardStop;

    /// <summary>Deterministic per client, so two runs issue the same command sequence.</summary>
    public Random Random { get; } = new(1000 + index);

    public bool TimeIsUp => Stopwatch.GetTimestamp() >= clock.Deadline;

    /// <summary>Says this client is set up, and waits for all the others: the measurement starts then.</summary>
    public Task ReadyAsync()
    {
        MarkReady();
        return clock.AllReady.WaitAsync(Token);
    }

    internal void MarkReady()
    {
        if (Interlocked.Exchange(ref _ready, 1) == 0) clock.Arrive();
    }
}
