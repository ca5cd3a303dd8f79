using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Common;

/// <summary>How much of a plan or a pool is taken, counted in the database (never by loading rows).</summary>
public static class UsageQueries
{
    public static async Task<PlanUsage> PlanUsageAsync(HostingPanelDbContext db, Guid customerId, CancellationToken ct)
    {
        var domains = await db.Domains.IgnoreQueryFilters()
            .CountAsync(d => d.CustomerId == customerId && d.Status != EntityStatus.Deleting, ct);
        var mailboxes = db.Mailboxes.IgnoreQueryFilters()
            .Where(m => m.Domain!.CustomerId == customerId && m.Status != EntityStatus.Deleting);
        // Count and sum in one query: every mailbox creation asks this.
        var totals = await mailboxes.GroupBy(_ => 1).Select(g => new { Count = g.Count(), Quota = g.Sum(m => m.QuotaMb) }).FirstOrDefaultAsync(ct);
        return new PlanUsage(domains, totals?.Count ?? 0, totals?.Quota ?? 0);
    }

    /// <summary>What a reseller's customers' plans add up to: one aggregate in the database, however many customers it has.</summary>
    public static async Task<PoolLimits> PoolAllocatedAsync(HostingPanelDbContext db, Guid resellerId, CancellationToken ct)
    {
        // A deleted customer gives its plan back to the pool; restoring it takes it again (or is refused when it no longer fits).
        var sum = await db.Customers.IgnoreQueryFilters().Where(c => c.ResellerId == resellerId && c.DeletedAt == null)
            .GroupBy(c => c.ResellerId)
            .Select(g => new
            {
                Count = g.Count(),
                Domains = g.Sum(c => (long)c.Plan.MaxDomains),
                Mailboxes = g.Sum(c => (long)c.Plan.MaxMailboxes),
                Disk = g.Sum(c => c.Plan.DiskQuotaMb),
            })
            .FirstOrDefaultAsync(ct);
        return sum is null ? new PoolLimits(0, 0, 0, 0) : new PoolLimits(sum.Count, (int)sum.Domains, (int)sum.Mailboxes, sum.Disk);
    }

    /// <summary>Plan usage of several customers at once (a list page): three grouped queries instead of three per customer.</summary>
    public static async Task<Dictionary<Guid, PlanUsage>> PlanUsagesAsync(HostingPanelDbContext db, IReadOnlyCollection<Guid> customerIds, CancellationToken ct)
    {
        var domains = await db.Domains.IgnoreQueryFilters()
            .Where(d => customerIds.Contains(d.CustomerId) && d.Status != EntityStatus.Deleting)
            .GroupBy(d => d.CustomerId).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        var mailboxes = await db.Mailboxes.IgnoreQueryFilters()
            .Where(m => customerIds.Contains(m.Domain!.CustomerId) && m.Status != EntityStatus.Deleting)
            .GroupBy(m => m.Domain!.CustomerId).Select(g => new { g.Key, Count = g.Count(), Quota = g.Sum(m => m.QuotaMb) })
            .ToDictionaryAsync(x => x.Key, ct);
        return customerIds.ToDictionary(id => id, id => new PlanUsage(
            domains.GetValueOrDefault(id),
            mailboxes.TryGetValue(id, out var m) ? m.Count : 0,
            mailboxes.TryGetValue(id, out var q) ? q.Quota : 0));
    }
}
