using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.Provisioning;

namespace HostingPanel.Web.Features.Operations;

/// <summary>The key figures of this node for the admin's System page, from the same sources as /metrics.</summary>
public sealed class SystemFigures(IReadOnlyList<Func<(string Name, string Value)>> figures)
{
    public IReadOnlyList<(string Name, string Value)> Read() => figures.Select(f => f()).ToList();

    public static SystemFigures For(IServiceProvider services, bool mail, bool worker)
    {
        var list = new List<Func<(string, string)>>();
        if (mail)
        {
            var metrics = services.GetRequiredService<MailMetrics>();
            var queue = services.GetRequiredService<MailEngine.Outbound.OutboundQueue>();
            var log = services.GetRequiredService<DeliveryLogWriter>();
            list.Add(() => ("Outbound queue", $"{queue.Statistics.Depth} message(s)"));
            list.Add(() => ("Oldest queued", queue.Statistics.OldestCreatedAt is { } t ? $"since {t.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "none"));
            list.Add(() => ("Connections since start", metrics.TotalConnections.ToString("N0")));
            list.Add(() => ("Delivery steps since start", metrics.TotalDeliveries.ToString("N0")));
            list.Add(() => ("Refusals since start", metrics.TotalRefusals.ToString("N0")));
            list.Add(() => ("Failed logins since start", metrics.TotalAuthFailures.ToString("N0")));
            list.Add(() => ("Mailboxes at their quota", metrics.QuotaFullMailboxes.ToString("N0")));
            list.Add(() => ("Delivery log lines dropped", log.Dropped.ToString("N0")));
        }
        if (worker)
        {
            var status = services.GetRequiredService<WorkerStatus>();
            list.Add(() => ("Provisioning lag", $"{status.LagSeconds:0} s"));
            list.Add(() => ("Worker's last pass", status.LastPassAt is { } t ? $"{t.UtcDateTime:HH:mm:ss} UTC" : "not yet"));
        }
        return new SystemFigures(list);
    }
}
