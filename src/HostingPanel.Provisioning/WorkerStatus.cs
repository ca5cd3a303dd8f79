using System.Diagnostics.Metrics;

namespace HostingPanel.Provisioning;

/// <summary>
/// What the outbox worker last achieved, for health and metrics: when a pass last completed, and since when the
/// oldest change still waiting for the engine has waited (null when none). Written by the worker, read anywhere;
/// published as the gauge <c>hostingpanel.provisioning.lag</c> (seconds).
/// </summary>
public sealed class WorkerStatus
{
    public const string MeterName = "HostingPanel.Provisioning";

    private readonly TimeProvider time;

    public WorkerStatus(TimeProvider time, IMeterFactory meters)
    {
        this.time = time;
        meters.Create(MeterName).CreateObservableGauge("hostingpanel.provisioning.lag", () => LagSeconds, "s",
            "How long the oldest change not yet applied to the mail engine has waited (0 when the worker is caught up).");
    }

    private long _lastPassTicks;
    private long _oldestWaitingTicks;

    public DateTimeOffset? LastPassAt => Read(ref _lastPassTicks);

    public DateTimeOffset? OldestWaitingSince => Read(ref _oldestWaitingTicks);

    /// <summary>Seconds the oldest unapplied change has waited; 0 when the worker is caught up.</summary>
    public double LagSeconds => OldestWaitingSince is { } since ? Math.Max(0, (time.GetUtcNow() - since).TotalSeconds) : 0;

    internal void PassCompleted(DateTimeOffset at, DateTimeOffset? oldestWaiting)
    {
        Interlocked.Exchange(ref _oldestWaitingTicks, oldestWaiting?.UtcTicks ?? 0);
        Interlocked.Exchange(ref _lastPassTicks, at.UtcTicks);
    }

    private static DateTimeOffset? Read(ref long ticks)
    {
        var value = Interlocked.Read(ref ticks);
        return value == 0 ? null : new DateTimeOffset(value, TimeSpan.Zero);
    }
}
