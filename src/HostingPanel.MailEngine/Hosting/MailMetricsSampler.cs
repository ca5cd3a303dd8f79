using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>
/// Figures that need a query (mailboxes at their quota) are sampled here every 30 seconds, not at scrape time:
/// a gauge's callback runs synchronously inside the exporter and must not wait for a database.
/// </summary>
internal sealed class MailMetricsSampler(EngineDatabase database, MailMetrics metrics, TimeProvider time, ILogger<MailMetricsSampler> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SampleAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Metrics sample failed");
            }
            await Task.Delay(Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    internal async Task SampleAsync(CancellationToken ct)
    {
        var full = await database.ReadAsync(c => c.ScalarAsync(null,
            "SELECT COUNT(*) FROM mailboxes WHERE removed_at IS NULL AND quota_bytes > 0 AND used_bytes >= quota_bytes"), ct);
        metrics.SetQuotaFullMailboxes(full ?? 0);
    }
}
