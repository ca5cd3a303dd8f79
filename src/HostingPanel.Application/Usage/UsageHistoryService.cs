using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Application.Resellers;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Usage;

/// <summary>
/// Usage history per mailbox, customer and reseller (issue 19 item 6) for the API and the portal's charts. Tenancy is
/// that of the mailbox, customer and reseller services: what the caller may not see is not found, and only then are
/// the points read.
/// </summary>
public sealed class UsageHistoryService(
    HostingPanelDbContext db,
    MailboxService mailboxes,
    CustomerService customers,
    ResellerService resellers,
    TimeProvider time)
{
    /// <summary>The field name of the range in errors (the API's query parameter).</summary>
    public const string RangeField = "range";

    public static ServiceResult<UsageHistoryRange> ParseRange(string? range) => range?.Trim().ToLowerInvariant() switch
    {
        null or "" or "week" => UsageHistoryRange.Week,
        "year" => UsageHistoryRange.Year,
        _ => Failure.Invalid(RangeField, "The range must be week (hourly, 7 days) or year (daily, 13 months)."),
    };

    public async Task<ServiceResult<UsageHistoryView>> ForMailboxAsync(string domain, string localPart, string? range, CancellationToken ct = default)
    {
        if (ParseRange(range).Failure is { } bad) return bad;
        var m = await mailboxes.GetAsync(domain, localPart, ct);
        if (m.Failure is { } failure) return failure;
        return await ForMailboxViewAsync(m.Value!, ParseRange(range).Value, ct);
    }

    /// <summary>The signed-in mailbox owner's own history.</summary>
    public async Task<ServiceResult<UsageHistoryView>> ForOwnMailboxAsync(string? range, CancellationToken ct = default)
    {
        if (ParseRange(range).Failure is { } bad) return bad;
        var m = await mailboxes.GetOwnAsync(ct);
        if (m.Failure is { } failure) return failure;
        return await ForMailboxViewAsync(m.Value!, ParseRange(range).Value, ct);
    }

    public async Task<ServiceResult<UsageHistoryView>> ForCustomerAsync(Guid id, string? range, CancellationToken ct = default)
    {
        if (ParseRange(range).Failure is { } bad) return bad;
        var c = await customers.GetAsync(id, ct);
        if (c.Failure is { } failure) return failure;
        var v = c.Value!;
        return await ReadAsync(UsageSubject.Customer, v.Id, v.Name, ParseRange(range).Value, v.UsedBytes, v.Limits.DiskQuotaMb * 1024 * 1024, ct);
    }

    public async Task<ServiceResult<UsageHistoryView>> ForResellerAsync(Guid id, string? range, CancellationToken ct = default)
    {
        if (ParseRange(range).Failure is { } bad) return bad;
        var r = await resellers.GetAsync(id, ct);
        if (r.Failure is { } failure) return failure;
        var v = r.Value!;
        // The reseller's use now: its customers' mailboxes, from the panel's usage rows (the same figures the worker sums).
        var used = await db.MailboxUsages.IgnoreQueryFilters()
            .Where(u => db.Mailboxes.IgnoreQueryFilters().Any(m => m.Id == u.MailboxId && m.Status != EntityStatus.Deleting && m.Domain!.Customer!.ResellerId == v.Id))
            .SumAsync(u => (long?)u.UsedBytes, ct) ?? 0;
        return await ReadAsync(UsageSubject.Reseller, v.Id, v.Name, ParseRange(range).Value, used, v.Limits.DiskQuotaMb * 1024 * 1024, ct);
    }

    private async Task<ServiceResult<UsageHistoryView>> ForMailboxViewAsync(MailboxView m, UsageHistoryRange range, CancellationToken ct)
    {
        var id = await db.Mailboxes.Where(x => x.LocalPart == m.LocalPart && x.Domain!.Name == m.Domain && x.Status != EntityStatus.Deleting)
            .Select(x => (Guid?)x.Id).FirstOrDefaultAsync(ct);
        if (id is null) return Failure.NotFound("The mailbox");
        return await ReadAsync(UsageSubject.Mailbox, id.Value, m.Address, range, m.UsedBytes, m.QuotaMb * 1024 * 1024, ct);
    }

    private async Task<ServiceResult<UsageHistoryView>> ReadAsync(UsageSubject subject, Guid id, string name, UsageHistoryRange range,
        long currentBytes, long limitBytes, CancellationToken ct)
    {
        var resolution = range == UsageHistoryRange.Week ? UsageResolution.Hour : UsageResolution.Day;
        var now = UsageHistoryPoint.BucketOf(time.GetUtcNow(), resolution);
        var from = now - UsageHistoryPoint.Kept(resolution);
        // At most 169 or 397 rows: the unique (subject, id, resolution, bucket) index answers it.
        var rows = await db.UsageHistory
            .Where(p => p.Subject == subject && p.SubjectId == id && p.Resolution == resolution && p.Bucket >= from)
            .OrderBy(p => p.Bucket)
            .Select(p => new { p.Bucket, p.UsedBytes, p.MessageCount })
            .ToListAsync(ct);
        var points = rows.Select(p => new UsageHistoryPointView(UsageHistoryPoint.StartOf(p.Bucket, resolution), p.UsedBytes, p.MessageCount)).ToList();
        // A mailbox has points only where its use changed: the value at the range's start is the last point before it
        // (hourly points before it are pruned, so a daily one), or the chart of a quiet mailbox would start at "now".
        if (subject == UsageSubject.Mailbox && (rows.Count == 0 || rows[0].Bucket > from))
        {
            var fromDay = UsageHistoryPoint.BucketOf(UsageHistoryPoint.StartOf(from, resolution), UsageResolution.Day);
            var before = await db.UsageHistory
                .Where(p => p.Subject == subject && p.SubjectId == id && p.Resolution == UsageResolution.Day && p.Bucket <= fromDay)
                .OrderByDescending(p => p.Bucket)
                .Select(p => new { p.UsedBytes, p.MessageCount })
                .FirstOrDefaultAsync(ct);
            if (before is not null)
                points.Insert(0, new UsageHistoryPointView(UsageHistoryPoint.StartOf(from, resolution), before.UsedBytes, before.MessageCount));
        }
        return new UsageHistoryView(subject, id, name, range, resolution, UsageHistoryPoint.StartOf(from, resolution), points, currentBytes, limitBytes);
    }
}
