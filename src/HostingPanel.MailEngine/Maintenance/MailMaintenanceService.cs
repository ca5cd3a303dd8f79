using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Maintenance;

/// <summary>
/// Brings the store up before any listener starts (schema migrations, orphan sweep), then
/// periodically (on the worker's leader only, <see cref="WorkerLeadership"/>) applies POP3 and folder retention, purges mailboxes past their grace period and sweeps orphans.
/// </summary>
public sealed class MailMaintenanceService(
    EngineDatabase db, BodyStore bodies, Pop3Retention retention, FolderRetention folderRetention, IMailEngineAdmin admin, TimeProvider time, ILogger<MailMaintenanceService> logger,
    WorkerLeadership? leadership = null)
    : IHostedService, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    // Deliveries in flight write their body before their row; only old unreferenced files are orphans.
    private static readonly TimeSpan InFlightGrace = TimeSpan.FromHours(1);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await db.EnsureReadyAsync();
        // At startup on SQLite nothing else writes this store yet: every unreferenced file is an orphan
        // of a crash. On PostgreSQL another node may be mid-delivery, so keep the grace period.
        var swept = await SweepOrphansAsync(db.IsSqlite ? TimeSpan.Zero : InFlightGrace, cancellationToken);
        if (swept > 0)
            logger.LogInformation("Removed {Count} orphan body files", swept);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>Deletes body files that no message references and that are older than <paramref name="minAge"/>.</summary>
    public async Task<int> SweepOrphansAsync(TimeSpan minAge, CancellationToken ct = default)
    {
        var referenced = await db.ReadAsync(async c =>
            (await c.QueryAsync(null, "SELECT DISTINCT body FROM messages", r => r.GetString(0))).ToHashSet(StringComparer.Ordinal), ct);
        return await bodies.SweepOrphansAsync(referenced, minAge, ct);
    }

    private async Task LoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, time, _stopping.Token);
                // Several nodes on one database: one of them (the worker's leader) does the hourly pass.
                if (leadership is { IsLeader: false })
                    continue;
                await retention.ApplyAllAsync(_stopping.Token);
                await folderRetention.ApplyAllAsync(_stopping.Token);
                await admin.PurgeExpiredAsync(time.GetUtcNow(), _stopping.Token);
                await SweepOrphansAsync(InFlightGrace, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Mail maintenance failed");
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        if (_loop is not null)
            await _loop;
    }

    public void Dispose() => _stopping.Dispose();
}
