using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Dashboard;

/// <summary>
/// Read-only figures for the portal's dashboards. Every query runs under the actor's query filters, so a
/// reseller or customer gets the same figures for its own part of the tree.
/// </summary>
public sealed class DashboardService(HostingPanelDbContext db, IActorAccessor actorAccessor)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<Totals> TotalsAsync(CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains()) return new Totals(0, 0, 0, 0, 0, 0, 0, 0);
        var mailboxes = db.Mailboxes.Where(m => m.Status != EntityStatus.Deleting);
        var count = await mailboxes.CountAsync(ct);
        return new Totals(
            Actor.IsStaff ? await db.Resellers.CountAsync(r => r.DeletedAt == null, ct) : 0,
            await db.Customers.CountAsync(c => c.DeletedAt == null, ct),
            await db.Domains.CountAsync(d => d.Status != EntityStatus.Deleting, ct),
            count,
            await db.Aliases.CountAsync(ct),
            count == 0 ? 0 : await mailboxes.SumAsync(m => m.QuotaMb, ct),
            count == 0 ? 0 : await mailboxes.SumAsync(m => m.Usage == null ? 0 : m.Usage.UsedBytes, ct),
            count == 0 ? 0 : await mailboxes.SumAsync(m => m.Usage == null ? 0 : m.Usage.MessageCount, ct));
    }

    public async Task<IReadOnlyList<MailboxUsageRow>> LargestMailboxesAsync(int take = 10, CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains()) return [];
        return await db.Mailboxes.Where(m => m.Status != EntityStatus.Deleting && m.Usage != null && m.Usage.UsedBytes > 0)
            .OrderByDescending(m => m.Usage!.UsedBytes)
            .Take(Math.Clamp(take, 1, 100))
            .Select(m => new MailboxUsageRow(m.LocalPart + "@" + m.Domain!.Name, m.Domain.Name, m.LocalPart, m.Domain.Customer!.Name,
                m.QuotaMb, m.Usage!.UsedBytes, m.Usage.MessageCount))
            .ToListAsync(ct);
    }

    /// <summary>Domains, mailboxes and aliases the worker marked failed, newest first.</summary>
    public async Task<IReadOnlyList<ProvisioningFailure>> FailuresAsync(int take = 20, CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains()) return [];
        take = Math.Clamp(take, 1, 200);
        var domains = await db.Domains.Where(d => d.Status == EntityStatus.Failed).OrderBy(d => d.Name).Take(take)
            .Select(d => new ProvisioningFailure("Domain", d.Name, d.Name, d.Customer!.Name, d.StatusDetail)).ToListAsync(ct);
        var mailboxes = await db.Mailboxes.Where(m => m.Status == EntityStatus.Failed).OrderBy(m => m.LocalPart).Take(take)
            .Select(m => new ProvisioningFailure("Mailbox", m.LocalPart, m.Domain!.Name, m.Domain.Customer!.Name, m.StatusDetail)).ToListAsync(ct);
        var aliases = await db.Aliases.Where(a => a.Status == EntityStatus.Failed).OrderBy(a => a.LocalPart).Take(take)
            .Select(a => new ProvisioningFailure("Alias", a.LocalPart, a.Domain!.Name, a.Domain.Customer!.Name, a.StatusDetail)).ToListAsync(ct);
        return domains.Concat(mailboxes).Concat(aliases).Take(take).ToList();
    }

    /// <summary>Disk use of one domain over time, from the worker's samples (at most one point per hour shown).</summary>
    public async Task<ServiceResult<UsagePoint[]>> DomainUsageAsync(string domain, int days = 30, CancellationToken ct = default)
    {
        if (!Actor.CanSeeDomains() || !DomainName.TryParse(domain, out var dn, out _)) return Failure.NotFound("The domain");
        var id = await db.Domains.Where(d => d.Name == dn!.Value && d.Status != EntityStatus.Deleting).Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct);
        if (id is null) return Failure.NotFound("The domain");
        var since = DateTimeOffset.UtcNow.AddDays(-Math.Clamp(days, 1, 366));
        // DateTimeOffset comparisons do not translate on SQLite: filter the (bounded) newest rows in memory.
        var samples = await db.UsageSamples.Where(s => s.DomainId == id).OrderByDescending(s => s.Id).Take(5000)
            .Select(s => new UsagePoint(s.At, s.UsedBytes, s.MessageCount)).ToListAsync(ct);
        var points = samples.Where(s => s.At >= since)
            .GroupBy(s => new DateTimeOffset(s.At.UtcDateTime.Year, s.At.UtcDateTime.Month, s.At.UtcDateTime.Day, s.At.UtcDateTime.Hour, 0, 0, TimeSpan.Zero))
            .Select(g => g.OrderByDescending(s => s.At).First() with { At = g.Key })
            .OrderBy(p => p.At).ToArray();
        return points;
    }
}
