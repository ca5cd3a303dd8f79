using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Quotas;

/// <summary>
/// A domain's quota room and its own cap (issue 19 item 7): what the next mailbox can have, what the form proposes,
/// and the cap a customer may set so that one domain cannot take the whole plan. The domain is found through the
/// tenancy filters: another tenant's domain is not found. Support staff read it but do not change it (plans are not theirs).
/// </summary>
public sealed class DomainQuotaService(HostingPanelDbContext db, IActorAccessor actorAccessor, ChangeRecorder recorder, UnitOfWork unitOfWork)
{
    /// <summary>The field name of the cap in errors (the API's body field).</summary>
    public const string CapField = "capMb";

    private Actor Actor => actorAccessor.Actor;

    public async Task<ServiceResult<DomainQuotaRoom>> GetAsync(string domain, CancellationToken ct = default)
    {
        if (await FindAsync(domain, ct) is not { } d) return Failure.NotFound("The domain");
        return await RoomAsync(d, ct);
    }

    /// <summary>Sets the cap (null removes it); it may not be set below what the domain's mailboxes already hold.</summary>
    public async Task<ServiceResult<DomainQuotaRoom>> SetCapAsync(string domain, long? capMb, CancellationToken ct = default)
    {
        if (!Actor.CanManageDomains() || await FindAsync(domain, ct) is not { } d) return Failure.NotFound("The domain");
        if (capMb is < 1)
            return Failure.Invalid(CapField, "The cap must be at least 1 MB, or null for none.");
        var customer = await db.Customers.IgnoreQueryFilters().FirstAsync(c => c.Id == d.CustomerId, ct);
        // A cap above the plan's disk would never bind: refused, so that the number shown is one that means something.
        if (capMb > customer.Plan.DiskQuotaMb)
            return Failure.Invalid(CapField, $"The cap cannot be more than the plan's disk ({customer.Plan.DiskQuotaMb} MB).");
        if (d.SetQuotaCap(capMb, await DomainAllocatedAsync(d.Id, ct)) is { } violation) return Failure.Limit(violation, CapField);
        recorder.Record("domain.quota-cap", OutboxEntityType.Domain, d.Id, d.Name, customer.Id, customer.ResellerId,
            capMb is { } cap ? $"quota cap {cap} MB" : "quota cap removed", provision: false);
        if (await unitOfWork.CommitAsync(CapField, ct) is { } failure) return failure;
        return await RoomAsync(d, ct);
    }

    /// <summary>The cap check for a mailbox quota growing by <paramref name="requestedMb"/> in the domain (null: fits).</summary>
    public static async Task<LimitViolation?> CheckCapAsync(HostingPanelDbContext db, Domain d, long requestedMb, long releasedMb, CancellationToken ct) =>
        d.QuotaCapMb is null ? null : d.CheckQuotaCap(await DomainAllocatedAsync(db, d.Id, ct) - releasedMb, requestedMb);

    private Task<DomainQuotaRoom> RoomAsync(Domain d, CancellationToken ct) => RoomAsync(db, d, ct);

    /// <summary>The domain's room now (also what a mailbox created without a quota gets: its proposal).</summary>
    public static async Task<DomainQuotaRoom> RoomAsync(HostingPanelDbContext db, Domain d, CancellationToken ct)
    {
        var customer = await db.Customers.IgnoreQueryFilters().FirstAsync(c => c.Id == d.CustomerId, ct);
        var plan = await UsageQueries.PlanUsageAsync(db, customer.Id, ct);
        return DomainQuotaRoom.Of(d.Name, d.QuotaCapMb, await DomainAllocatedAsync(db, d.Id, ct), customer.Plan.DiskQuotaMb, plan.QuotaMb,
            customer.Plan.MaxMailboxes - plan.Mailboxes, customer.DefaultMailboxQuotaMb);
    }

    private Task<long> DomainAllocatedAsync(Guid domainId, CancellationToken ct) => DomainAllocatedAsync(db, domainId, ct);

    private static async Task<long> DomainAllocatedAsync(HostingPanelDbContext db, Guid domainId, CancellationToken ct) =>
        await db.Mailboxes.IgnoreQueryFilters().Where(m => m.DomainId == domainId && m.Status != EntityStatus.Deleting)
            .SumAsync(m => (long?)m.QuotaMb, ct) ?? 0;

    private async Task<Domain?> FindAsync(string domain, CancellationToken ct)
    {
        if (Actor.IsMailboxUser || !DomainName.TryParse(domain, out var dn, out _)) return null;
        return await db.Domains.FirstOrDefaultAsync(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting, ct);
    }
}
