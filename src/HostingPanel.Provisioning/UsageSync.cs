using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>
/// Copies disk use and message counts from the engine to the panel at least every UsageInterval and a
/// few seconds after deliveries; keeps per-domain samples for the charts; sends quota warnings.
/// </summary>
public sealed class UsageSync(
    IServiceScopeFactory scopes,
    IOptions<ProvisioningOptions> options,
    TimeProvider time,
    ILogger<UsageSync> log,
    MailboxChangeNotifier? notifier = null) : BackgroundService
{
    // A burst of deliveries becomes one sync shortly after it, not one per message.
    private static readonly TimeSpan Debounce = TimeSpan.FromSeconds(2);
    private readonly ProvisioningSignal _changed = new();
    private DateTimeOffset _lastSample = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (notifier is not null)
            notifier.AnyChange += c => { if (c.Kind is MailboxChangeKind.MessagesAdded or MailboxChangeKind.MessagesExpunged) _changed.Notify(); };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SyncAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogWarning(e, "Usage sync failed; retrying");
            }
            await _changed.WaitAsync(options.Value.UsageInterval, stoppingToken);
            await Task.Delay(Debounce, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>One pass; public for tests and for "refresh now".</summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var engine = scope.ServiceProvider.GetRequiredService<IMailEngineAdmin>();
        var warnings = scope.ServiceProvider.GetRequiredService<QuotaWarnings>();
        var now = time.GetUtcNow();

        var usage = (await engine.GetUsageAsync(ct)).ToDictionary(u => u.Address, StringComparer.Ordinal);
        var mailboxes = await db.Mailboxes.Where(m => m.Status != EntityStatus.Deleting)
            .Select(m => new { m.Id, m.LocalPart, Domain = m.Domain!.Name, m.DomainId, m.QuotaMb, m.Domain.CustomerId, m.Domain.Customer!.ResellerId })
            .ToListAsync(ct);
        var existing = await db.MailboxUsages.ToDictionaryAsync(u => u.MailboxId, ct);

        foreach (var m in mailboxes)
        {
            var address = $"{m.LocalPart}@{m.Domain}";
            if (!usage.TryGetValue(address, out var u)) continue;
            if (!existing.TryGetValue(m.Id, out var row))
            {
                row = new Data.Model.MailboxUsage(m.Id);
                db.MailboxUsages.Add(row);
            }
            if (row.UsedBytes != u.UsedBytes || row.MessageCount != u.MessageCount || row.UpdatedAt == default)
                row.Update(u.UsedBytes, u.MessageCount, now);
            await warnings.CheckAsync(row, address, m.QuotaMb * 1024 * 1024, m.CustomerId, m.ResellerId, ct);
        }

        if (now - _lastSample >= options.Value.SampleInterval)
        {
            foreach (var domain in mailboxes.GroupBy(m => m.DomainId))
            {
                long bytes = 0, count = 0;
                foreach (var m in domain)
                    if (usage.TryGetValue($"{m.LocalPart}@{m.Domain}", out var u)) { bytes += u.UsedBytes; count += u.MessageCount; }
                db.UsageSamples.Add(new UsageSample(domain.Key, now, bytes, count));
            }
            _lastSample = now;
        }
        await db.SaveChangesAsync(ct);
    }
}
