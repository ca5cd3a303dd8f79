using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

public sealed record ReconcileReport(IReadOnlyList<string> Repairs);

/// <summary>
/// Compares the panel's desired state with the engine's directory and repairs drift in either direction as
/// the panel says; every repair is written to the audit log. Runs on a schedule and on demand.
/// </summary>
public sealed class Reconciler(IServiceScopeFactory scopes, IOptions<ProvisioningOptions> options, TimeProvider time,
    IOptions<HostingPanel.Application.Domains.DomainOptions> domainOptions)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<ReconcileReport> RunAsync(CancellationToken ct)
    {
        await _oneAtATime.WaitAsync(ct);
        try { return await RunOnceAsync(ct); }
        finally { _oneAtATime.Release(); }
    }

    private async Task<ReconcileReport> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var engine = scope.ServiceProvider.GetRequiredService<IMailEngineAdmin>();
        var grace = TimeSpan.FromDays(options.Value.DeleteGraceDays);
        var repairs = new List<string>();

        // Entities with provisioning still queued are the outbox's business, not drift.
        var queued = (await db.Outbox.Where(o => o.ProcessedAt == null).Select(o => o.EntityKey).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);

        var snapshot = await engine.GetDirectoryAsync(ct);
        var engineDomains = snapshot.Domains.ToHashSet(StringComparer.Ordinal);
        var engineMailboxes = snapshot.Mailboxes.ToDictionary(m => m.Address, StringComparer.Ordinal);
        var engineRemoved = snapshot.RemovedMailboxes.ToHashSet(StringComparer.Ordinal);
        var engineAliases = snapshot.Aliases.ToDictionary(a => a.Address, StringComparer.Ordinal);

        var domains = await db.Domains.ToListAsync(ct);
        var liveDomains = domains.Where(d => d.Status != EntityStatus.Deleting).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        var engineDomainSpecs = snapshot.DomainSpecs.ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var domain in domains.Where(d => d.Status != EntityStatus.Deleting && !queued.Contains(d.Name)))
        {
            var spec = EngineSpecMapper.ToSpec(domain, domainOptions.Value.RequireVerification);
            if (!engineDomains.Contains(domain.Name))
            {
                await engine.EnsureDomainAsync(spec, ct);
                repairs.Add($"domain {domain.Name} was missing in the engine: created");
            }
            else if (!engineDomainSpecs.TryGetValue(domain.Name, out var current) || current != spec)
            {
                // Owner or verification differ (a domain from before the engine knew them, or a missed change).
                await engine.EnsureDomainAsync(spec, ct);
                repairs.Add($"domain {domain.Name} had a different owner or verification in the engine: updated");
            }
        }

        var mailboxes = await EntityApplier.LoadMailboxes(db.Mailboxes).ToListAsync(ct);
        var panelAddresses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in mailboxes)
        {
            var address = m.AddressIn(m.Domain!.Name);
            panelAddresses.Add(address);
            if (queued.Contains(address)) continue;
            if (m.Status == EntityStatus.Deleting)
            {
                if (engineMailboxes.ContainsKey(address))
                {
                    await engine.RemoveMailboxAsync(address, (m.DeletedAt ?? time.GetUtcNow()) + grace, ct);
                    repairs.Add($"mailbox {address} is deleted in the panel but was live in the engine: removed (kept {options.Value.DeleteGraceDays} days)");
                }
                continue;
            }
            var spec = EngineSpecMapper.ToSpec(m);
            if (engineMailboxes.TryGetValue(address, out var current) && current.SameAs(spec)) continue;
            if (engineRemoved.Contains(address)) await engine.RestoreMailboxAsync(address, ct);
            await engine.EnsureMailboxAsync(spec, ct);
            m.SetStatus(spec.Enabled ? EntityStatus.Active : EntityStatus.Suspended, null);
            repairs.Add(current is null ? $"mailbox {address} was missing in the engine: created" : $"mailbox {address} differed in the engine: updated");
        }
        foreach (var address in engineMailboxes.Keys.Where(a => !panelAddresses.Contains(a) && !queued.Contains(a)))
        {
            await engine.RemoveMailboxAsync(address, time.GetUtcNow() + grace, ct);
            repairs.Add($"mailbox {address} exists only in the engine: removed (kept {options.Value.DeleteGraceDays} days)");
        }

        var aliases = await db.Aliases.Include(a => a.Domain).Include(a => a.Destinations).ToListAsync(ct);
        var panelAliases = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in aliases.Where(a => a.Domain!.Status != EntityStatus.Deleting))
        {
            var spec = EngineSpecMapper.ToSpec(a);
            panelAliases.Add(spec.Address);
            if (queued.Contains(spec.Address) || engineAliases.TryGetValue(spec.Address, out var current) && current.SameAs(spec)) continue;
            await engine.EnsureAliasAsync(spec, ct);
            a.SetStatus(EntityStatus.Active, null);
            repairs.Add($"alias {spec.Address} was missing or different in the engine: updated");
        }
        foreach (var address in engineAliases.Keys.Where(a => !panelAliases.Contains(a) && !queued.Contains(a)))
        {
            await engine.RemoveAliasAsync(address, ct);
            repairs.Add($"alias {address} exists only in the engine: removed");
        }

        foreach (var name in engineDomains.Where(n => !liveDomains.Contains(n) && !queued.Contains(n)))
        {
            await engine.RemoveDomainAsync(name, time.GetUtcNow() + grace, ct);
            repairs.Add($"domain {name} is not hosted in the panel: removed from the engine");
        }

        foreach (var repair in repairs)
            db.AuditEntries.Add(new AuditEntry("system", "reconcile.repair", "Engine", "directory", repair, null));
        await db.SaveChangesAsync(ct);
        return new ReconcileReport(repairs);
    }
}
