using HostingPanel.Provisioning;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting.Health;

/// <summary>
/// The provisioning worker completed a pass within Health:WorkerMaxSilence (it passes at least every
/// Provisioning:PollInterval when healthy). Before the first pass, the process's start counts as the last one.
/// </summary>
public sealed class WorkerHealthCheck(WorkerStatus status, IOptions<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var last = status.LastPassAt ?? _started;
        var silence = time.GetUtcNow() - last;
        var data = new Dictionary<string, object> { ["lastPassAt"] = status.LastPassAt?.ToString("O") ?? "", ["lagSeconds"] = (long)status.LagSeconds };
        var text = status.LastPassAt is null ? "no pass completed yet" : $"last pass {OutboundQueueHealthCheck.Format(silence)} ago";
        return Task.FromResult(silence > options.Value.WorkerMaxSilence
            ? HealthCheckResult.Unhealthy("the provisioning worker is stuck: " + text, data: data)
            : HealthCheckResult.Healthy(text, data));
    }
}
