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

    /// <summary>What a reseller's customers' plans add up to.</summary>
    public static async Task<PoolLimits> PoolAllocatedAsync(HostingPanelDbContext db, Guid resellerId, CancellationToken ct)
    {
        var plans = await db.Customers.IgnoreQueryFilters().Where(c => c.ResellerId == resellerId)
            .Select(c => new { c.Plan.MaxDomains, c.Plan.MaxMailboxes, c.Plan.DiskQuotaMb }).ToListAsync(ct);
        return new PoolLimits(plans.Count, plans.Sum(p => p.MaxDomains), plans.Sum(p => p.MaxMailboxes), plans.Sum(p => p.DiskQuotaMb));
    }
}
