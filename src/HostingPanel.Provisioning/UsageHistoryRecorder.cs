using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Provisioning;

/// <summary>One mailbox's figures as a full usage pass has them.</summary>
/// <param name="ChangedAt">When its use last changed (the panel's usage row).</param>
public sealed record MailboxFigures(Guid MailboxId, Guid CustomerId, Guid? ResellerId, long UsedBytes, long MessageCount, DateTimeOffset ChangedAt);

/// <summary>
/// Writes the usage history (issue 19 item 6) from the worker's full passes: the first pass in a new hour writes the
/// hour's points, the first in a new day the day's, and each prunes its resolution by age. Mailboxes get a point only
/// when their use changed since the previous point (the chart holds a value until the next); customers and resellers
/// (sums over their mailboxes, few rows) get one every time. A restart within an hour or day that already has points
/// writes nothing more for it, and neither does a second writer (a concurrent "refresh now" pass, another worker node):
/// the unique (subject, resolution, bucket) index refuses its points and the bucket counts as written.
/// </summary>
public sealed class UsageHistoryRecorder
{
    // Passes may overlap (the background loop and SyncAsync for "refresh now"); the bookkeeping below is one writer's.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<UsageResolution, long> _lastBucket = new();
    private readonly Dictionary<UsageResolution, DateTimeOffset?> _lastWrittenAt = new();

    /// <summary>Adds and saves this pass's points (in their own SaveChanges, so a refused point never costs the pass).</summary>
    public async Task RecordAsync(HostingPanelDbContext db, IReadOnlyList<MailboxFigures> mailboxes, DateTimeOffset now, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            foreach (var resolution in new[] { UsageResolution.Hour, UsageResolution.Day })
                await RecordAsync(db, resolution, mailboxes, now, ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RecordAsync(HostingPanelDbContext db, UsageResolution resolution, IReadOnlyList<MailboxFigures> mailboxes,
        DateTimeOffset now, CancellationToken ct)
    {
        var bucket = UsageHistoryPoint.BucketOf(now, resolution);
        if (!_lastBucket.TryGetValue(resolution, out var last))
        {
            // First pass of this process: what the table already has decides.
            var stored = await db.UsageHistory.Where(p => p.Resolution == resolution).MaxAsync(p => (long?)p.Bucket, ct);
            last = stored ?? -1;
            _lastWrittenAt[resolution] = stored is { } s ? UsageHistoryPoint.StartOf(s, resolution) : null;
            _lastBucket[resolution] = last;
        }
        if (last >= bucket)
            return;

        var since = _lastWrittenAt.GetValueOrDefault(resolution);
        var points = new List<UsageHistoryPoint>();
        foreach (var m in mailboxes)
            if (since is null || m.ChangedAt >= since)
                points.Add(new UsageHistoryPoint(UsageSubject.Mailbox, m.MailboxId, resolution, bucket, m.UsedBytes, m.MessageCount));
        foreach (var c in mailboxes.GroupBy(m => m.CustomerId))
            points.Add(new UsageHistoryPoint(UsageSubject.Customer, c.Key, resolution, bucket, c.Sum(m => m.UsedBytes), c.Sum(m => m.MessageCount)));
        foreach (var r in mailboxes.Where(m => m.ResellerId is not null).GroupBy(m => m.ResellerId!.Value))
            points.Add(new UsageHistoryPoint(UsageSubject.Reseller, r.Key, resolution, bucket, r.Sum(m => m.UsedBytes), r.Sum(m => m.MessageCount)));

        db.UsageHistory.AddRange(points);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another writer has this bucket already (the unique index): its points stand, ours are dropped.
            foreach (var p in points)
                db.Entry(p).State = EntityState.Detached;
        }
        var oldest = bucket - UsageHistoryPoint.Kept(resolution);
        await db.UsageHistory.Where(p => p.Resolution == resolution && p.Bucket < oldest).ExecuteDeleteAsync(ct);
        _lastBucket[resolution] = bucket;
        _lastWrittenAt[resolution] = now;
    }
}
