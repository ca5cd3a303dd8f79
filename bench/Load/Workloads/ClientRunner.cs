using System.Diagnostics;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// Runs N asynchronous clients in this one process until each says it is done or the deadline
/// passes. Clients check <see cref="ClientContext.TimeIsUp"/> between operations, so operations are
/// never cut in half; a hard stop (deadline + grace) cancels whatever still hangs.
/// </summary>
internal static class ClientRunner
{
    public sealed record RunOutcome(Dictionary<string, OpSamples> Ops, TimeSpan Elapsed, int FailedClients, string? FirstFailure);

    public static async Task<RunOutcome> RunAsync(int clients, TimeSpan duration, Func<ClientContext, Task> client)
    {
        using var hardStop = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var contexts = Enumerable.Range(0, clients).Select(i => new ClientContext(i, clients, deadline, hardStop.Token)).ToList();
        var start = Stopwatch.GetTimestamp();
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
        }).ToList();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new RunOutcome(Recorder.Merge(contexts.Select(c => c.Recorder)), elapsed, failures, firstFailure);
    }
}

internal sealed class ClientContext(int index, int clients, long deadline, CancellationToken hardStop)
{
    public int Index { get; } = index;
    public int Clients { get; } = clients;
    public Recorder Recorder { get; } = new();
    public CancellationToken Token { get; } = hardStop;

    /// <summary>Deterministic per client, so two runs issue the same command sequence.</summary>
    public Random Random { get; } = new(1000 + index);

    public bool TimeIsUp => Stopwatch.GetTimestamp() >= deadline;
}
