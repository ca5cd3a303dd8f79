using System.Collections.Concurrent;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.MailEngine.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>
/// Copies disk use and message counts from the engine to the panel; keeps per-domain samples for the
/// charts; sends quota warnings. A full pass (every mailbox) runs at start and every UsageInterval: it
/// also catches changes made by other engine nodes and quota changes in the panel. When the engine runs
/// in this process, the passes a few seconds after deliveries read only the mailboxes that changed.
/// </summary>
public sealed class UsageSync(
    IServiceScopeFactory scopes,
    IOptions<ProvisioningOptions> options,
    TimeProvider time,
    ILogger<UsageSync> log,
    IMailboxUsageFeed usageFeed) : BackgroundService
{
    // A burst of deliveries becomes one sync shortly after it, not one per message.
    private static readonly TimeSpan Debounce = TimeSpan.FromSeconds(2);
    private const int PassesKept = 20;
    private readonly ProvisioningSignal _changed = new();
    // Engine ids of mailboxes whose mail changed since a pass last read them (a set: the value is unused).
    private readonly ConcurrentDictionary<long, byte> _changedMailboxes = new();
    private readonly ConcurrentQueue<UsagePass> _recentPasses = new();
    private DateTimeOffset _lastSample = DateTimeOffset.MinValue;
    private readonly UsageHistoryRecorder _history = new();
    private long _passes;

    /// <summary>The last few passes, oldest first: what each one read (for diagnostics and tests).</summary>
    public IReadOnlyList<UsagePass> RecentPasses => [.. _recentPasses];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = usageFeed.Subscribe(OnMailboxChange);
        var lastFullPass = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            var startedAt = time.GetUtcNow();
            var full = !usageFeed.IsLive || startedAt - lastFullPass >= options.Value.UsageInterval;
            try
            {
                if (full)
                {
                    // Counted even if it fails: a broken engine or database is retried at the interval, not hammered.
                    lastFullPass = startedAt;
                    await SyncAsync(stoppingToken);
                }
                else
                {
                    await SyncChangedAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogWarning(e, "Usage sync failed; retrying");
            }
            var untilFullPass = options.Value.UsageInterval - (time.GetUtcNow() - lastFullPass);
            await _changed.WaitAsync(untilFullPass > TimeSpan.Zero ? untilFullPass : TimeSpan.Zero, stoppingToken);
            await Task.Delay(Debounce, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private void OnMailboxChange(long mailboxId)
    {
        _changedMailboxes.TryAdd(mailboxId, 0);
        _changed.Notify();
    }

    /// <summary>A full pass over every mailbox; public for tests and for "refresh now".</summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        // Taken before the engine is read, so the read covers them; changes from here on wait for the next pass.
        TakeChangedMailboxes();
        await PassAsync(null, ct);
    }

    /// <summary>A pass over the mailboxes that changed since the last pass only.</summary>
    private async Task SyncChangedAsync(CancellationToken ct)
    {
        var ids = TakeChangedMailboxes();
        if (ids.Count == 0)
            return;
        try
        {
            await PassAsync(ids, ct);
        }
        catch
        {
            // Not lost: the next pass tries them again (and the next full pass reads everything anyway).
            foreach (var id in ids) _changedMailboxes.TryAdd(id, 0);
            throw;
        }
    }

    private List<long> TakeChangedMailboxes()
    {
        var ids = new List<long>();
        foreach (var id in _changedMailboxes.Keys)
            if (_changedMailboxes.TryRemove(id, out _))
                ids.Add(id);
        return ids;
    }

    /// <param name="engineIds">The mailboxes to read, or null for all of them.</param>
    private async Task PassAsync(IReadOnlyCollection<long>? engineIds, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var engine = scope.ServiceProvider.GetRequiredService<IMailEngineAdmin>();
        var warnings = scope.ServiceProvider.GetRequiredService<QuotaWarnings>();
        var now = time.GetUtcNow();
        var full = engineIds is null;

        var engineUsage = full ? await engine.GetUsageAsync(ct) : await engine.GetUsageAsync(engineIds!, ct);
        var usage = engineUsage.ToDictionary(u => u.Address, StringComparer.Ordinal);
        Record(new UsagePass(Interlocked.Increment(ref _passes), full, now, usage.Count, full ? [] : [.. usage.Keys]));

        var panelMailboxes = db.Mailboxes.Where(m => m.Status != EntityStatus.Deleting);
        if (!full)
        {
            // Narrowed in SQL by both halves of the address, then matched exactly below.
            var localParts = usage.Keys.Select(a => a[..a.IndexOf('@')]).Distinct().ToList();
            var domains = usage.Keys.Select(a => a[(a.IndexOf('@') + 1)..]).Distinct().ToList();
            panelMailboxes = panelMailboxes.Where(m => localParts.Contains(m.LocalPart) && domains.Contains(m.Domain!.Name));
        }
        var mailboxes = await panelMailboxes
            .Select(m => new { m.Id, m.LocalPart, Domain = m.Domain!.Name, m.DomainId, m.QuotaMb, m.Domain.CustomerId, m.Domain.Customer!.ResellerId })
            .ToListAsync(ct);
        var mailboxIds = mailboxes.Select(m => m.Id).ToList();
        var existing = full
            ? await db.MailboxUsages.ToDictionaryAsync(u => u.MailboxId, ct)
            : await db.MailboxUsages.Where(u => mailboxIds.Contains(u.MailboxId)).ToDictionaryAsync(u => u.MailboxId, ct);

        var figures = new List<MailboxFigures>(full ? mailboxes.Count : 0);
        foreach (var m in mailboxes)
        {
            var address = $"{m.LocalPart}@{m.Domain}";
            if (!usage.TryGetValue(address, out var u)) continue;
            if (!existing.TryGetValue(m.Id, out var row))
            {
                row = new Data.Model.MailboxUsage(m.Id);
                db.MailboxUsages.Add(row);
            }
            if (row.UpdatedAt == default || row.UsedBytes != u.UsedBytes || row.MessageCount != u.MessageCount)
                row.Update(u.UsedBytes, u.MessageCount, now);
            await warnings.CheckAsync(row, address, m.QuotaMb * 1024 * 1024, m.CustomerId, m.ResellerId, ct);
            if (full) figures.Add(new MailboxFigures(m.Id, m.CustomerId, m.ResellerId, u.UsedBytes, u.MessageCount, row.UpdatedAt));
        }

        // A domain's sample is the sum over all its mailboxes, which only a full pass has in hand.
        if (full && now - _lastSample >= options.Value.SampleInterval)
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

        // Per mailbox, customer and reseller, hourly and daily (a full pass has every mailbox in hand); saved apart,
        // after the usage rows, so that a point another writer took first never costs this pass its figures.
        if (full)
            await _history.RecordAsync(db, figures, now, ct);
    }

    private void Record(UsagePass pass)
    {
        log.LogDebug("Usage pass ({Kind}): {Count} mailboxes read", pass.Full ? "full" : "changed", pass.MailboxesRead);
        _recentPasses.Enqueue(pass);
        while (_recentPasses.Count > PassesKept && _recentPasses.TryDequeue(out _)) { }
    }
}

/// <param name="Number">Counts passes since start: 1, 2, ...</param>
/// <param name="Full">True for a pass over every mailbox.</param>
/// <param name="MailboxesRead">How many mailboxes the engine reported.</param>
/// <param name="Addresses">The addresses read by a pass over changed mailboxes (empty for a full pass).</param>
public sealed record UsagePass(long Number, bool Full, DateTimeOffset At, int MailboxesRead, IReadOnlyList<string> Addresses);
