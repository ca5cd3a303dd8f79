using HostingPanel.Application.Common;
using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Mailboxes;

/// <summary>
/// POP3 insight for the API, the staff/customer mailbox page, the owner's page and webmail (issue 19 item 4), and the
/// "POP3 programs that never delete" report with its one-click fix. Tenancy is <see cref="MailboxService"/>'s and the
/// domain query filters': a mailbox outside the caller's scope is not found, and the report holds only the caller's.
/// </summary>
public sealed class MailboxActivityService(
    MailboxService mailboxes,
    IMailboxActivitySource source,
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    TimeProvider time)
{
    private Actor Actor => actorAccessor.Actor;

    public async Task<ServiceResult<MailboxActivityView>> GetAsync(string domain, string localPart, CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (mailbox.Failure is { } failure) return failure;
        return await ViewAsync(mailbox.Value!, ct);
    }

    /// <summary>The signed-in mailbox owner's own activity (the owner's page and webmail).</summary>
    public async Task<ServiceResult<MailboxActivityView>> GetOwnAsync(CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetOwnAsync(ct);
        if (mailbox.Failure is { } failure) return failure;
        return await ViewAsync(mailbox.Value!, ct);
    }

    /// <summary>Mailboxes in the caller's scope whose POP3 program never deletes, the soonest full first.</summary>
    public async Task<ServiceResult<IReadOnlyList<Pop3KeeperView>>> ListPop3KeepersAsync(CancellationToken ct = default)
    {
        if (!Actor.CanManageMailboxes()) return Failure.NotFound("The report");
        // Staff see every tenant; others only their domains (the query filters hold them to their scope).
        IReadOnlyCollection<string>? domains = Actor.IsStaff ? null : await db.Domains.Select(d => d.Name).ToListAsync(ct);
        if (domains is { Count: 0 }) return new List<Pop3KeeperView>();
        var now = time.GetUtcNow();
        var keepers = await source.ListPop3KeepersAsync(domains, ct);
        // The engine may still hold a mailbox the panel is deleting: only mailboxes the panel shows are reported.
        var known = await KnownAddressesAsync(keepers.Select(k => k.Address).ToList(), ct);
        return keepers.Where(k => known.Contains(k.Address)).Select(k =>
        {
            var rate = Pop3Projection.BytesPerDay(k.KeptBytes, k.OldestRetrievedAt, now);
            var at = k.Address.LastIndexOf('@');
            return new Pop3KeeperView(k.Address, k.Address[(at + 1)..], k.Address[..at], k.UsedBytes, k.QuotaBytes, k.KeptMessages, k.KeptBytes,
                k.OldestRetrievedAt, Pop3Projection.WholeDays(k.OldestRetrievedAt, now), k.LastPop3Login, rate,
                Pop3Projection.FullAt(k.UsedBytes, k.QuotaBytes, rate, now));
        }).OrderBy(k => k.ProjectedFullAt ?? DateTimeOffset.MaxValue).ThenBy(k => k.Address, StringComparer.Ordinal).ToList();
    }

    /// <summary>The report's one-click fix: POP3 retention of <paramref name="days"/> through the mailbox's own update (same checks, audit, outbox).</summary>
    public Task<ServiceResult<MailboxView>> SetPop3RetentionAsync(string domain, string localPart, int days, CancellationToken ct = default) =>
        mailboxes.UpdateAsync(domain, localPart, new UpdateMailboxInput { Pop3RetentionDays = days }, ct);

    /// <summary>The owner's one-click fix on their own page: only the POP3 retention changes; forwarding stays as it is.</summary>
    public async Task<ServiceResult<MailboxView>> SetOwnPop3RetentionAsync(int days, CancellationToken ct = default)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (own.Failure is { } failure) return failure;
        return await mailboxes.UpdateOwnSettingsAsync(new OwnerSettingsInput
        {
            ForwardTo = [.. own.Value!.ForwardTo], KeepCopy = own.Value.KeepCopy, Pop3RetentionDays = days,
        }, ct);
    }

    private async Task<HashSet<string>> KnownAddressesAsync(List<string> addresses, CancellationToken ct)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in addresses.Chunk(500))
        {
            var localParts = chunk.Select(a => a[..a.LastIndexOf('@')]).Distinct().ToList();
            var domainNames = chunk.Select(a => a[(a.LastIndexOf('@') + 1)..]).Distinct().ToList();
            var rows = await db.Mailboxes.Where(m => m.Status != Data.Model.EntityStatus.Deleting
                    && localParts.Contains(m.LocalPart) && domainNames.Contains(m.Domain!.Name))
                .Select(m => m.LocalPart + "@" + m.Domain!.Name).ToListAsync(ct);
            known.UnionWith(rows);
        }
        return known;
    }

    private async Task<ServiceResult<MailboxActivityView>> ViewAsync(MailboxView mailbox, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var s = await source.GetAsync(mailbox.Address, ct);
        if (s is null)
            // Not in the engine yet (pending), or a node without it: what the panel knows, and no logins.
            return new MailboxActivityView(mailbox.Address, mailbox.UsedBytes, mailbox.QuotaMb * 1024 * 1024, mailbox.ImapEnabled, mailbox.Pop3Enabled,
                mailbox.Pop3RetentionDays, new Dictionary<string, DateTimeOffset>(), new Pop3KeptView(0, 0, null, 0), new Pop3RemovedView(0, 0, null, 30), null);
        var keptDays = Pop3Projection.WholeDays(s.OldestRetrievedAt, now);
        Pop3Advice? advice = null;
        // The same rule as the report: retention off, mail downloaded long enough ago still there, no recent removal.
        if (s.Pop3RetentionDays == 0 && s.OldestRetrievedAt is { } oldest && keptDays >= s.KeeperMinimumAgeDays && s.RemovedMessages == 0)
        {
            var rate = Pop3Projection.BytesPerDay(s.KeptBytes, oldest, now);
            advice = new Pop3Advice(rate, Pop3Projection.FullAt(s.UsedBytes, s.QuotaBytes, rate, now), Pop3Projection.SuggestedRetentionDays);
        }
        return new MailboxActivityView(s.Address, s.UsedBytes, s.QuotaBytes, s.ImapEnabled, s.Pop3Enabled, s.Pop3RetentionDays, s.LastLogins,
            new Pop3KeptView(s.KeptMessages, s.KeptBytes, s.OldestRetrievedAt, keptDays),
            new Pop3RemovedView(s.RemovedMessages, s.RemovedBytes, s.LastRemovedAt, s.RemovalWindowDays), advice);
    }
}
