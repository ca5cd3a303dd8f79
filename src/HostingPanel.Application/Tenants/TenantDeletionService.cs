using HostingPanel.Application.Common;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Tenants;

/// <summary>
/// Deleting and restoring a customer or a reseller with everything it owns, for the portal and the API alike.
/// A deletion works like a mailbox's: at once nothing under the tenant receives mail or logs in (its domains leave the
/// engine, so mail for them is refused like mail for a domain not hosted here; its portal logins and keys are refused),
/// and for the grace period everything can come back with its mail. The tenant and everything deleted with it carry the
/// same <c>DeletedAt</c>: a restore brings back exactly that, not what was deleted on its own before. After the grace
/// period the worker's purge removes the mail, the rows and the logins (Provisioning's <c>Purger</c>).
/// </summary>
/// <remarks>
/// Who: admins delete and restore anyone; a reseller its own customers (the tenancy filters hide the others: 404);
/// support staff, customers and mailbox owners nobody (support does not change tenants, and a customer does not delete
/// itself: it asks its provider).
/// </remarks>
public sealed class TenantDeletionService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork,
    TimeProvider time)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<ServiceResult<DeletionSummary>> CustomerSummaryAsync(Guid id, CancellationToken ct = default)
    {
        if (!Actor.CanManageCustomers() || await LiveCustomerAsync(id, ct) is not { } c) return Failure.NotFound("The customer");
        return await SummaryAsync(c.Id, c.Name, [c.Id], ct);
    }

    public async Task<ServiceResult<DeletionSummary>> ResellerSummaryAsync(Guid id, CancellationToken ct = default)
    {
        if (!Actor.CanManageResellers() || await LiveResellerAsync(id, ct) is not { } r) return Failure.NotFound("The reseller");
        var customers = await db.Customers.IgnoreQueryFilters().Where(c => c.ResellerId == r.Id && c.DeletedAt == null).Select(c => c.Id).ToListAsync(ct);
        return await SummaryAsync(r.Id, r.Name, customers, ct, resellerId: r.Id);
    }

    public async Task<ServiceResult<DeletionSummary>> DeleteCustomerAsync(Guid id, CancellationToken ct = default)
    {
        var summary = await CustomerSummaryAsync(id, ct);
        if (!summary.Succeeded) return summary;
        var c = (await LiveCustomerAsync(id, ct))!;
        await DeleteCustomerTreeAsync(c, time.GetUtcNow(), ct);
        recorder.Record("customer.delete", OutboxEntityType.Customer, c.Id, c.Name, c.Id, c.ResellerId, summary.Value!.Text, provision: false);
        if (await unitOfWork.CommitAsync("id", ct) is { } failure) return failure;
        return summary;
    }

    public async Task<ServiceResult<DeletionSummary>> DeleteResellerAsync(Guid id, CancellationToken ct = default)
    {
        var summary = await ResellerSummaryAsync(id, ct);
        if (!summary.Succeeded) return summary;
        var r = (await LiveResellerAsync(id, ct))!;
        var now = time.GetUtcNow();
        foreach (var c in await db.Customers.IgnoreQueryFilters().Where(c => c.ResellerId == r.Id && c.DeletedAt == null).ToListAsync(ct))
            await DeleteCustomerTreeAsync(c, now, ct);
        r.MarkDeleted(now);
        await EndSessionsAsync(db.Users.Where(u => u.ResellerId == r.Id), ct);
        recorder.Record("reseller.delete", OutboxEntityType.Reseller, r.Id, r.Name, null, r.Id, summary.Value!.Text, provision: false);
        if (await unitOfWork.CommitAsync("id", ct) is { } failure) return failure;
        return summary;
    }

    /// <summary>Brings a deleted customer back with what was deleted with it, if its reseller's pool still has room (422).</summary>
    public async Task<ServiceResult<Done>> RestoreCustomerAsync(Guid id, CancellationToken ct = default)
    {
        if (!Actor.CanManageCustomers()) return Failure.NotFound("The customer");
        var c = await db.Customers.Include(x => x.Reseller).FirstOrDefaultAsync(x => x.Id == id && x.DeletedAt != null, ct);
        // A customer deleted with its reseller comes back with the reseller, not alone.
        if (c is null || c.Reseller is { IsDeleted: true }) return Failure.NotFound("The customer");
        if (c.Reseller is { } reseller)
        {
            var violation = reseller.CheckPlan(await UsageQueries.PoolAllocatedAsync(db, reseller.Id, ct), null, c.Plan);
            if (violation is not null) return Failure.Limit(violation, "id");
        }
        await RestoreCustomerTreeAsync(c, ct);
        recorder.Record("customer.restore", OutboxEntityType.Customer, c.Id, c.Name, c.Id, c.ResellerId, provision: false);
        if (await unitOfWork.CommitAsync("id", ct) is { } failure) return failure;
        return new Done();
    }

    public async Task<ServiceResult<Done>> RestoreResellerAsync(Guid id, CancellationToken ct = default)
    {
        if (!Actor.CanManageResellers()) return Failure.NotFound("The reseller");
        var r = await db.Resellers.FirstOrDefaultAsync(x => x.Id == id && x.DeletedAt != null, ct);
        if (r is null) return Failure.NotFound("The reseller");
        var customers = await db.Customers.IgnoreQueryFilters().Where(c => c.ResellerId == r.Id && c.DeletedAt != null).ToListAsync(ct);
        foreach (var c in customers.Where(c => c.DeletedAt == r.DeletedAt))
            await RestoreCustomerTreeAsync(c, ct);
        r.Restore();
        recorder.Record("reseller.restore", OutboxEntityType.Reseller, r.Id, r.Name, null, r.Id, provision: false);
        if (await unitOfWork.CommitAsync("id", ct) is { } failure) return failure;
        return new Done();
    }

    /// <summary>Customers in their grace period that the caller may restore (not those that went with their reseller).</summary>
    public async Task<IReadOnlyList<DeletedTenantView>> ListDeletedCustomersAsync(CancellationToken ct = default)
    {
        if (!Actor.CanManageCustomers()) return [];
        var rows = await db.Customers.Include(c => c.Reseller)
            .Where(c => c.DeletedAt != null && (c.Reseller == null || c.Reseller.DeletedAt == null))
            .Take(PageRequest.MaxPageSize).ToListAsync(ct);
        return rows.OrderByDescending(c => c.DeletedAt).Select(c => new DeletedTenantView(c.Id, c.Name, c.Reseller?.Name, c.DeletedAt!.Value)).ToList();
    }

    public async Task<IReadOnlyList<DeletedTenantView>> ListDeletedResellersAsync(CancellationToken ct = default)
    {
        if (!Actor.CanManageResellers()) return [];
        var rows = await db.Resellers.Where(r => r.DeletedAt != null).Take(PageRequest.MaxPageSize).ToListAsync(ct);
        return rows.OrderByDescending(r => r.DeletedAt).Select(r => new DeletedTenantView(r.Id, r.Name, null, r.DeletedAt!.Value)).ToList();
    }

    private Task<Customer?> LiveCustomerAsync(Guid id, CancellationToken ct) =>
        db.Customers.FirstOrDefaultAsync(c => c.Id == id && c.DeletedAt == null, ct);

    private Task<Reseller?> LiveResellerAsync(Guid id, CancellationToken ct) =>
        db.Resellers.FirstOrDefaultAsync(r => r.Id == id && r.DeletedAt == null, ct);

    /// <summary>
    /// The customer, its live domains and their live mailboxes, all at <paramref name="now"/>. Each domain's outbox record
    /// makes the worker remove it from the engine (its mailboxes stop at once, its aliases go; the mail stays until the
    /// grace period ends). The customer's portal logins (its own and its mailbox owners') lose their sessions.
    /// </summary>
    private async Task DeleteCustomerTreeAsync(Customer c, DateTimeOffset now, CancellationToken ct)
    {
        c.MarkDeleted(now);
        var domains = await db.Domains.IgnoreQueryFilters().Where(d => d.CustomerId == c.Id && d.Status != EntityStatus.Deleting).ToListAsync(ct);
        var ids = domains.Select(d => d.Id).ToList();
        foreach (var m in await db.Mailboxes.IgnoreQueryFilters().Where(m => ids.Contains(m.DomainId) && m.Status != EntityStatus.Deleting).ToListAsync(ct))
            m.MarkDeleted(now);
        foreach (var d in domains)
        {
            d.MarkDeleted(now);
            recorder.Record("domain.delete", OutboxEntityType.Domain, d.Id, d.Name, c.Id, c.ResellerId, $"with customer {c.Name}");
        }
        await EndSessionsAsync(db.Users.Where(u => u.CustomerId == c.Id), ct);
    }

    /// <summary>Undoes <see cref="DeleteCustomerTreeAsync"/>: the domains and mailboxes deleted at the customer's moment, and their aliases.</summary>
    private async Task RestoreCustomerTreeAsync(Customer c, CancellationToken ct)
    {
        var at = c.DeletedAt;
        // Compared in memory: both values come from the same column type, so they are equal to the tick on every provider.
        var domains = (await db.Domains.IgnoreQueryFilters().Where(d => d.CustomerId == c.Id && d.Status == EntityStatus.Deleting).ToListAsync(ct))
            .Where(d => d.DeletedAt == at).ToList();
        var ids = domains.Select(d => d.Id).ToList();
        foreach (var d in domains)
        {
            d.Restore();
            recorder.Record("domain.restore", OutboxEntityType.Domain, d.Id, d.Name, c.Id, c.ResellerId, $"with customer {c.Name}");
        }
        var mailboxes = await db.Mailboxes.IgnoreQueryFilters().Include(m => m.Domain)
            .Where(m => ids.Contains(m.DomainId) && m.Status == EntityStatus.Deleting).ToListAsync(ct);
        foreach (var m in mailboxes.Where(m => m.DeletedAt == at))
        {
            m.Restore();
            recorder.Record("mailbox.restore", OutboxEntityType.Mailbox, m.Id, m.AddressIn(m.Domain!.Name), c.Id, c.ResellerId, $"with customer {c.Name}");
        }
        // The engine dropped the aliases with their domain: apply them again.
        foreach (var a in await db.Aliases.IgnoreQueryFilters().Include(a => a.Domain).Where(a => ids.Contains(a.DomainId)).ToListAsync(ct))
        {
            a.MarkPending();
            recorder.Record("alias.restore", OutboxEntityType.Alias, a.Id, $"{a.LocalPart}@{a.Domain!.Name}", c.Id, c.ResellerId, $"with customer {c.Name}");
        }
        c.Restore();
    }

    private static async Task EndSessionsAsync(IQueryable<Data.Identity.AppUser> users, CancellationToken ct)
    {
        foreach (var u in await users.ToListAsync(ct)) u.SecurityStamp = PortalSessionRevocation.NewStamp();
    }

    private async Task<DeletionSummary> SummaryAsync(Guid id, string name, IReadOnlyList<Guid> customerIds, CancellationToken ct, Guid? resellerId = null)
    {
        var domains = db.Domains.IgnoreQueryFilters().Where(d => customerIds.Contains(d.CustomerId) && d.Status != EntityStatus.Deleting);
        var domainNames = await domains.OrderBy(d => d.Name).Select(d => d.Name).Take(50).ToListAsync(ct);
        var mailboxes = await db.Mailboxes.IgnoreQueryFilters().CountAsync(m => domains.Any(d => d.Id == m.DomainId) && m.Status != EntityStatus.Deleting, ct);
        var aliases = await db.Aliases.IgnoreQueryFilters().CountAsync(a => domains.Any(d => d.Id == a.DomainId), ct);
        var nullableIds = customerIds.Select(c => (Guid?)c).ToList();
        var logins = await db.Users.CountAsync(u => nullableIds.Contains(u.CustomerId) || (resellerId != null && u.ResellerId == resellerId), ct);
        return new DeletionSummary(id, name, resellerId is null ? 0 : customerIds.Count, await domains.CountAsync(ct), mailboxes, aliases, logins, domainNames);
    }
}
