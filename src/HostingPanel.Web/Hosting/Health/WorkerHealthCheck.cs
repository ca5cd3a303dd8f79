using HostingPanel.MailEngine.Hosting;
using HostingPanel.Provisioning;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting.Health;

/// <summary>
/// The provisioning worker completed a pass within Health:WorkerMaxSilence (it passes at least every
/// Provisioning:PollInterval when healthy). Before the first pass of this node's term as the worker's leader, the
/// term's start (on one node: about the process's start) counts as the last one. A node standing by while another
/// node leads runs no loop by design: it is healthy, and the leader's own readiness says whether the worker works.
/// </summary>
public sealed class WorkerHealthCheck(WorkerStatus status, WorkerLeadership leadership, IOptions<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var data = new Dictionary<string, object> { ["lastPassAt"] = status.LastPassAt?.ToString("O") ?? "", ["lagSeconds"] = (long)status.LagSeconds };
        if (leadership.TermStartedAt is not { } termStart)
        {
            data["leader"] = false;
            return Task.FromResult(HealthCheckResult.Healthy("standing by: another node runs the worker's loops", data));
        }
        data["leader"] = true;
        // A pass from an earlier term does not count for this one; neither does the time before it began.
        var since = termStart > _started ? termStart : _started;
        var last = status.LastPassAt is { } pass && pass > since ? pass : since;
        var silence = time.GetUtcNow() - last;
        var text = status.LastPassAt is null ? "no pass completed yet" : $"last pass {OutboundQueueHealthCheck.Format(time.GetUtcNow() - status.LastPassAt.Value)} ago";
        return Task.FromResult(silence > options.Value.WorkerMaxSilence
            ? HealthCheckResult.Unhealthy("the provisioning worker is stuck: " + text, data: data)
            : HealthCheckResult.Healthy(text, data));
    }
}
