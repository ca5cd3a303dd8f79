using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>
/// Reads the outbox in order per entity and applies each entity's desired state to the engine.
/// A record is marked processed only after the engine call and the entity's status commit together;
/// killed in between, the record is applied again on restart, which the idempotent engine calls allow.
/// </summary>
public sealed class OutboxProcessor(
    IServiceScopeFactory scopes,
    ProvisioningSignal signal,
    WorkerStatus status,
    IOptions<ProvisioningOptions> options,
    TimeProvider time,
    ILogger<OutboxProcessor> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            int processed;
            try
            {
                processed = await ProcessDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The panel database itself failed (restart, network): wait and go on, nothing is lost.
                log.LogWarning(e, "Provisioning pass failed; retrying");
                processed = 0;
                await Task.Delay(options.Value.InitialBackoff, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            if (processed < options.Value.BatchSize)
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
        }
    }

    /// <summary>One pass over the due records; returns how many were handled. Public for tests and on-demand runs.</summary>
    public async Task<int> ProcessDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var applier = scope.ServiceProvider.GetRequiredService<EntityApplier>();
        var now = time.GetUtcNow();

        var pending = await db.Outbox.Where(o => o.ProcessedAt == null).OrderBy(o => o.Id).Take(options.Value.BatchSize).ToListAsync(ct);
        if (pending.Count == 0)
        {
            status.PassCompleted(time.GetUtcNow(), null);
            return 0;
        }
        var handled = await ProcessAsync(db, applier, pending, now, ct);
        var waiting = pending.Where(o => o.ProcessedAt == null).Select(o => (DateTimeOffset?)o.CreatedAt).Min();
        status.PassCompleted(time.GetUtcNow(), waiting);
        return handled;
    }

    private async Task<int> ProcessAsync(HostingPanelDbContext db, EntityApplier applier, List<OutboxRecord> pending, DateTimeOffset now, CancellationToken ct)
    {
        // Order per entity: an entity's records run in Id order, and a record waits while an earlier one of the
        // same entity is still failing. Records describe the entity, not a delta, so the entity's due records
        // collapse into one application of its current state.
        var due = pending.GroupBy(o => (o.EntityType, o.EntityId)).Select(g => g.ToList()).Where(g => g[0].NextAttemptAt <= now).ToList();
        var handled = 0;
        // Consecutive mailboxes go to the engine together (one transaction for the run), which is what makes
        // bulk creation fast; any other entity, or a run the engine refuses, goes one by one, in order.
        for (var i = 0; i < due.Count;)
        {
            var run = due.Skip(i).TakeWhile(g => g[0].EntityType == OutboxEntityType.Mailbox).ToList();
            if (run.Count > 1)
            {
                var applied = await TryApplyTogetherAsync(applier, run, ct);
                foreach (var group in run.Where(g => applied.Contains(g[0].EntityId)))
                    foreach (var r in group) r.Succeeded(time.GetUtcNow());
                await db.SaveChangesAsync(ct);
                foreach (var group in run)
                {
                    if (applied.Contains(group[0].EntityId)) handled += group.Count;
                    else handled += await ApplyOneAsync(db, applier, group, ct);
                }
                i += run.Count;
                continue;
            }
            handled += await ApplyOneAsync(db, applier, due[i], ct);
            i++;
        }
        return handled;
    }

    private async Task<IReadOnlySet<Guid>> TryApplyTogetherAsync(EntityApplier applier, List<List<OutboxRecord>> run, CancellationToken ct)
    {
        try
        {
            return await applier.ApplyMailboxesTogetherAsync(run.Select(g => g[0]).ToList(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            log.LogInformation("Provisioning {Count} mailboxes together failed ({Error}); applying them one by one", run.Count, e.Message);
            return new HashSet<Guid>();
        }
    }

    /// <summary>Applies one entity's due records; on an engine error marks it failed and schedules the retry.</summary>
    private async Task<int> ApplyOneAsync(HostingPanelDbContext db, EntityApplier applier, List<OutboxRecord> records, CancellationToken ct)
    {
        try
        {
            await applier.ApplyAsync(records[0], ct);
            foreach (var r in records) r.Succeeded(time.GetUtcNow());
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var first = records[0];
            var delay = Backoff(first.Attempts + 1);
            first.Failed(e.Message, time.GetUtcNow() + delay);
            foreach (var r in records.Skip(1)) r.Failed("waiting for an earlier change of the same entity", first.NextAttemptAt);
            await applier.MarkFailedAsync(first, e.Message, ct);
            log.LogWarning("Provisioning {Type} {Key} failed (attempt {Attempt}), next try in {Delay}: {Error}",
                first.EntityType, first.EntityKey, first.Attempts, delay, e.Message);
        }
        await db.SaveChangesAsync(ct);
        return records.Count;
    }

    /// <summary>Exponential: initial × 2^(attempt-1), capped.</summary>
    public TimeSpan Backoff(int attempt)
    {
        var o = options.Value;
        var factor = Math.Pow(2, Math.Min(attempt - 1, 20));
        return TimeSpan.FromTicks((long)Math.Min(o.MaxBackoff.Ticks, o.InitialBackoff.Ticks * factor));
    }
}
