using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>Scheduled reconciliation and purging of expired deletions.</summary>
public sealed class MaintenanceLoop(Reconciler reconciler, Purger purger, IOptions<ProvisioningOptions> options, ILogger<MaintenanceLoop> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try { await Task.Delay(options.Value.ReconcileStartDelay, stoppingToken); } catch (OperationCanceledException) { return; }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var report = await reconciler.RunAsync(stoppingToken);
                if (report.Repairs.Count > 0) log.LogInformation("Reconciliation repaired {Count} differences", report.Repairs.Count);
                await purger.RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogWarning(e, "Reconciliation failed; will try again");
            }
            try { await Task.Delay(options.Value.ReconcileInterval, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }
}
