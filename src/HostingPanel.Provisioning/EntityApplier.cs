using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>
/// Applies the current desired state of one entity to the engine and records the outcome on the entity.
/// Every engine call is an idempotent ensure/remove, so applying the same record twice does no harm.
/// </summary>
public sealed class EntityApplier(HostingPanelDbContext db, IMailEngineAdmin engine, IOptions<ProvisioningOptions> options,
    IOptions<HostingPanel.Application.Domains.DomainOptions> domainOptions)
{
    private DomainSpec Spec(Domain domain) => EngineSpecMapper.ToSpec(domain, domainOptions.Value.RequireVerification);

    private TimeSpan Grace => TimeSpan.FromDays(options.Value.DeleteGraceDays);

    public Task ApplyAsync(OutboxRecord record, CancellationToken ct) => record.EntityType switch
    {
        OutboxEntityType.Domain => ApplyDomainAsync(record, ct),
        OutboxEntityType.Mailbox => ApplyMailboxAsync(record, ct),
        OutboxEntityType.Alias => ApplyAliasAsync(record, ct),
        OutboxEntityType.Customer => ApplyMailboxesAsync(db.Mailboxes.Where(m => m.Domain!.CustomerId == record.EntityId), ct),
        OutboxEntityType.Reseller => ApplyMailboxesAsync(db.Mailboxes.Where(m => m.Domain!.Customer!.ResellerId == record.EntityId), ct),
        _ => throw new InvalidOperationException($"Unknown outbox entity type {record.EntityType}"),
    };

    /// <summary>
    /// Applies many mailboxes' current state in one engine transaction. Returns the ids it applied; the
    /// others (gone or being deleted) are left to <see cref="ApplyAsync"/>. Throws, having applied none,
    /// when the engine refuses the batch: the caller then applies them one by one, so that a failure lands
    /// on the mailbox that caused it.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> ApplyMailboxesTogetherAsync(IReadOnlyList<OutboxRecord> records, CancellationToken ct)
    {
        var ids = records.Select(r => r.EntityId).ToList();
        var found = (await LoadMailboxes(db.Mailboxes.Where(m => ids.Contains(m.Id))).AsSplitQuery().ToListAsync(ct)).ToDictionary(m => m.Id);
        // Only the records before the first purge or removal go together: that one, and everything after it, is applied
        // one by one in order, so a purge ("purge now and create") runs before the new mailbox under the same address.
        var live = records.Select(r => found.GetValueOrDefault(r.EntityId)).TakeWhile(m => m is { Status: not EntityStatus.Deleting }).Select(m => m!).ToList();
        var specs = live.Select(EngineSpecMapper.ToSpec).ToList();
        await engine.EnsureMailboxesAsync(specs, ct);
        foreach (var enabled in new[] { true, false })
        {
            var ofState = live.Zip(specs).Where(p => p.Second.Enabled == enabled).Select(p => p.First.Id).ToList();
            if (ofState.Count > 0) await SetLiveStatusAsync(db.Mailboxes.Where(m => ofState.Contains(m.Id)), enabled ? EntityStatus.Active : EntityStatus.Suspended, ct);
        }
        return live.Select(m => m.Id).ToHashSet();
    }

    /// <summary>Marks the entity failed with the engine's reason (the worker retries with backoff).</summary>
    public async Task MarkFailedAsync(OutboxRecord record, string reason, CancellationToken ct)
    {
        switch (record.EntityType)
        {
            case OutboxEntityType.Domain when await db.Domains.FindAsync([record.EntityId], ct) is { Status: not EntityStatus.Deleting } d:
                d.SetStatus(EntityStatus.Failed, reason); break;
            case OutboxEntityType.Mailbox when await db.Mailboxes.FindAsync([record.EntityId], ct) is { Status: not EntityStatus.Deleting } m:
                m.SetStatus(EntityStatus.Failed, reason); break;
            case OutboxEntityType.Alias when await db.Aliases.FindAsync([record.EntityId], ct) is { } a:
                a.SetStatus(EntityStatus.Failed, reason); break;
        }
    }

    private async Task ApplyDomainAsync(OutboxRecord record, CancellationToken ct)
    {
        var domain = await db.Domains.FirstOrDefaultAsync(d => d.Id == record.EntityId, ct);
        if (domain is null)
        {
            await engine.RemoveDomainAsync(record.EntityKey, DateTimeOffset.UtcNow, ct);
            return;
        }
        if (domain.Status == EntityStatus.Deleting)
        {
            // Mailboxes in it stop receiving and logging in now; their mail stays for the grace period.
            await engine.RemoveDomainAsync(domain.Name, (domain.DeletedAt ?? DateTimeOffset.UtcNow) + Grace, ct);
            return;
        }
        await engine.EnsureDomainAsync(Spec(domain), ct);
        await SetLiveStatusAsync(db.Domains.Where(d => d.Id == domain.Id), domain.IsSuspended ? EntityStatus.Suspended : EntityStatus.Active, ct);
    }

    /// <summary>
    /// Writes the outcome only where the row was not deleted meanwhile. Read, apply, then save would overwrite a deletion
    /// committed while the engine call ran (a domain deleted right after it was added came back as active, and its next
    /// outbox record then provisioned it again); one conditional UPDATE has no such window. The deletion's own record
    /// follows and removes it from the engine.
    /// </summary>
    private static Task SetLiveStatusAsync(IQueryable<Domain> rows, EntityStatus status, CancellationToken ct) =>
        rows.Where(d => d.Status != EntityStatus.Deleting)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status).SetProperty(d => d.StatusDetail, (string?)null), ct);

    private static Task SetLiveStatusAsync(IQueryable<Mailbox> rows, EntityStatus status, CancellationToken ct) =>
        rows.Where(m => m.Status != EntityStatus.Deleting)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Status, status).SetProperty(m => m.StatusDetail, (string?)null), ct);

    private async Task ApplyMailboxAsync(OutboxRecord record, CancellationToken ct)
    {
        var mailbox = await LoadMailboxes(db.Mailboxes.Where(m => m.Id == record.EntityId)).FirstOrDefaultAsync(ct);
        if (mailbox is null)
        {
            await engine.PurgeMailboxAsync(record.EntityKey, ct);
            // "Purge now and create": a new mailbox may hold the address already. Whatever order the engine saw them in,
            // it ends as the new mailbox, empty.
            if (await SuccessorAsync(record.EntityKey, ct) is { } successor)
                await ApplyMailboxAsync(successor, ct);
            return;
        }
        await ApplyMailboxAsync(mailbox, ct);
    }

    private async Task<Mailbox?> SuccessorAsync(string address, CancellationToken ct)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0) return null;
        var (local, domain) = (address[..at], address[(at + 1)..]);
        return await LoadMailboxes(db.Mailboxes.Where(m => m.LocalPart == local && m.Domain!.Name == domain && m.Status != EntityStatus.Deleting))
            .FirstOrDefaultAsync(ct);
    }

    private async Task ApplyMailboxesAsync(IQueryable<Mailbox> query, CancellationToken ct)
    {
        foreach (var mailbox in await LoadMailboxes(query).ToListAsync(ct))
            await ApplyMailboxAsync(mailbox, ct);
    }

    private async Task ApplyMailboxAsync(Mailbox mailbox, CancellationToken ct)
    {
        var address = mailbox.AddressIn(mailbox.Domain!.Name);
        if (mailbox.Status == EntityStatus.Deleting)
        {
            await engine.RemoveMailboxAsync(address, (mailbox.DeletedAt ?? DateTimeOffset.UtcNow) + Grace, ct);
            return;
        }
        await engine.EnsureDomainAsync(Spec(mailbox.Domain), ct);
        var spec = EngineSpecMapper.ToSpec(mailbox);
        await engine.EnsureMailboxAsync(spec, ct);
        await SetLiveStatusAsync(db.Mailboxes.Where(m => m.Id == mailbox.Id), spec.Enabled ? EntityStatus.Active : EntityStatus.Suspended, ct);
    }

    private async Task ApplyAliasAsync(OutboxRecord record, CancellationToken ct)
    {
        var alias = await db.Aliases.Include(a => a.Domain).Include(a => a.Destinations).FirstOrDefaultAsync(a => a.Id == record.EntityId, ct);
        if (alias is null)
        {
            await engine.RemoveAliasAsync(record.EntityKey, ct);
            return;
        }
        await engine.EnsureDomainAsync(Spec(alias.Domain!), ct);
        await engine.EnsureAliasAsync(EngineSpecMapper.ToSpec(alias), ct);
        alias.SetStatus(EntityStatus.Active, null);
    }

    internal static IQueryable<Mailbox> LoadMailboxes(IQueryable<Mailbox> query) => query
        .Include(m => m.Domain).ThenInclude(d => d!.Customer).ThenInclude(c => c!.Reseller)
        .Include(m => m.Forwards);
}
