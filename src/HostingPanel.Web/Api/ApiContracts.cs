using HostingPanel.Application.Aliases;
using HostingPanel.Application.ApiKeys;
using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Application.Resellers;
using HostingPanel.Data.Model;

namespace HostingPanel.Web.Api;

// What the API returns. Separate from the services' views on purpose: the portal may reshape its views,
// the API's JSON is a published contract (docs/contract.md section 4) and only grows compatibly.

/// <summary>One page of a list, in a stable order.</summary>
public sealed record PageDto<T>(IReadOnlyList<T> Items, int Total, int Page, int PageSize)
{
    public static PageDto<T> From<TView>(Page<TView> page, Func<TView, T> map) =>
        new(page.Items.Select(map).ToList(), page.Total, page.PageNumber, page.PageSize);
}

/// <summary>The caller: the API key's user.</summary>
/// <param name="Language">The user's own choice ("en", "ms"); null: its reseller's default, then the request's Accept-Language.</param>
/// <param name="TimeZone">The user's own IANA time zone; null: its reseller's default, then UTC.</param>
public sealed record MeDto(string Email, string Role, Guid? ResellerId, Guid? CustomerId, string? Language = null, string? TimeZone = null);

public sealed record ApiKeyDto(Guid Id, string Name, string Prefix, string UserEmail, bool Active, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static ApiKeyDto From(ApiKeyView v) => new(v.Id, v.Name, v.Prefix, v.UserEmail, v.RevokedAt is null, v.CreatedAt, v.LastUsedAt, v.RevokedAt);
}

/// <summary>A new key: <c>key</c> is shown this once and stored only as a hash.</summary>
public sealed record CreatedApiKeyDto(Guid Id, string Name, string Key)
{
    public static CreatedApiKeyDto From(CreatedApiKey k) => new(k.Id, k.Name, k.Key);
}

/// <summary>A reseller; <c>oversellPercent</c>: its plans may add up to this share of <c>limits</c> (100: no overselling);
/// <c>allowOverselling</c> is true when it is above 100.</summary>
public sealed record ResellerDto(
    Guid Id, string Name, string? Email, EntityStatus Status, bool Enabled, bool AllowOverselling,
    PoolLimits Limits, PoolLimits Allocated, DateTimeOffset CreatedAt, int OversellPercent)
{
    public static ResellerDto From(ResellerView v) =>
        new(v.Id, v.Name, v.Email, v.Enabled ? EntityStatus.Active : EntityStatus.Suspended, v.Enabled, v.AllowOverselling, v.Limits, v.Allocated, v.CreatedAt,
            v.OversellPercent);
}

/// <summary>A customer; <c>allocated</c> is what its domains and mailboxes take from <c>limits</c>.</summary>
public sealed record CustomerDto(
    Guid Id, string Name, string? Email, Guid? ResellerId, string? ResellerName, EntityStatus Status, bool Enabled,
    PlanLimits Limits, PlanUsage Allocated, long UsedBytes, DateTimeOffset CreatedAt, long DefaultMailboxQuotaMb)
{
    public static CustomerDto From(CustomerView v) =>
        new(v.Id, v.Name, v.Email, v.ResellerId, v.ResellerName, v.Enabled ? EntityStatus.Active : EntityStatus.Suspended, v.Enabled,
            v.Limits, v.Allocated, v.UsedBytes, v.CreatedAt, v.DefaultMailboxQuotaMb);
}

/// <summary>A domain with its counts and usage; <c>name</c> is the A-label form, <c>displayName</c> the Unicode one.</summary>
/// <remarks>
/// <c>verified</c>: ownership proven (the <c>verificationRecord</c> TXT record was found, or an admin verified by hand).
/// Until then only mail from the Internet and from the domain's own customer is delivered to it here.
/// </remarks>
public sealed record DomainDto(
    string Name, string DisplayName, Guid CustomerId, string CustomerName, EntityStatus Status, string? StatusDetail,
    int MailboxCount, int AliasCount, long QuotaMb, long UsedBytes, long MessageCount, DateTimeOffset CreatedAt,
    bool Verified, DnsRecordDto VerificationRecord, DateTimeOffset? VerifiedAt, bool Enabled, DateTimeOffset? SuspendedAt)
{
    public static DomainDto From(DomainView v) =>
        new(v.Name, v.DisplayName, v.CustomerId, v.CustomerName, v.Status, v.StatusDetail, v.MailboxCount, v.AliasCount,
            v.QuotaMb, v.UsedBytes, v.MessageCount, v.CreatedAt, v.Verified, DnsRecordDto.From(v.VerificationRecord), v.VerifiedAt,
            v.Enabled, v.SuspendedAt);
}

/// <summary>A record to publish and its live state: <c>status</c> <c>ok</c>, <c>missing</c> or <c>different</c>.</summary>
public sealed record DnsRecordStatusDto(string Name, string Type, string Value, string Purpose, string Status, IReadOnlyList<string> Found, string? Detail)
{
    public static DnsRecordStatusDto From(HostingPanel.Web.Features.Domains.CheckedDnsRecord c) =>
        new(c.Record.Name, c.Record.Type, c.Record.Value, c.Record.Purpose, c.Status, c.Found, c.Detail);
}

/// <summary>A DNS record in zone-file terms: absolute <c>name</c> (ending with a dot), <c>type</c>, and <c>value</c> (TXT without quotes).</summary>
public sealed record DnsRecordDto(string Name, string Type, string Value)
{
    public static DnsRecordDto From(DnsRecordSpec r) => new(r.Name, r.Type, r.Value);
}

/// <summary>
/// A mailbox; <c>usedBytes</c> and <c>messageCount</c> come from the mail engine. <c>forwardTo</c> and <c>keepCopy</c> are its
/// forwarding, as its owner sees them in the portal (<c>keepCopy</c> is true while nothing is forwarded).
/// </summary>
public sealed record MailboxDto(
    string Address, string LocalPart, string Domain, string? DisplayName, long QuotaMb, long UsedBytes, long MessageCount,
    bool Enabled, bool ImapEnabled, bool Pop3Enabled, int Pop3RetentionDays, IReadOnlyList<string> ForwardTo, bool KeepCopy,
    EntityStatus Status, string? StatusDetail, DateTimeOffset CreatedAt, DateTimeOffset? UsageUpdatedAt)
{
    public static MailboxDto From(MailboxView v) =>
        new(v.Address, v.LocalPart, v.Domain, v.DisplayName, v.QuotaMb, v.UsedBytes, v.MessageCount, v.Enabled, v.ImapEnabled,
            v.Pop3Enabled, v.Pop3RetentionDays, v.ForwardTo, v.KeepCopy, v.Status, v.StatusDetail, v.CreatedAt, v.UsageUpdatedAt);
}

/// <summary>
/// One folder of a mailbox: Unicode name ('/' between levels), messages and bytes (kept by the engine beside
/// the messages), and the retention that applies (0 = never; <c>retentionIsDefault</c> when it is the plan's Trash/Junk default).
/// </summary>
public sealed record FolderDto(string Name, string? SpecialUse, long Messages, long Bytes, int RetentionDays, bool RetentionIsDefault)
{
    public static FolderDto From(FolderView v) => new(v.Name, v.SpecialUse, v.Messages, v.Bytes, v.RetentionDays, v.RetentionIsDefault);
}

/// <summary>One of a mailbox's largest messages (the owner and staff see where the space went).</summary>
public sealed record LargeMessageDto(string Folder, long Uid, long Size, DateTimeOffset Date, string Subject, string From)
{
    public static LargeMessageDto Of(LargeMessageView v) => new(v.Folder, v.Uid, v.Size, v.Date, v.Subject, v.From);
}

/// <summary>An alias; <c>localPart</c> "*" is the domain's catch-all.</summary>
public sealed record AliasDto(
    string Address, string LocalPart, string Domain, bool IsCatchAll, IReadOnlyList<string> Destinations,
    EntityStatus Status, string? StatusDetail, DateTimeOffset CreatedAt)
{
    public static AliasDto From(AliasView v) =>
        new(v.Address, v.LocalPart, v.Domain, v.IsCatchAll, v.Destinations, v.Status, v.StatusDetail, v.CreatedAt);
}

/// <summary>`?page=&amp;pageSize=&amp;search=` of every list; checked by <see cref="ApiQueryValidation"/> before binding.</summary>
public sealed class ListQuery
{
    /// <summary>1-based page number (default 1).</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "page")]
    public int? Page { get; init; }
    /// <summary>Items per page, 1 to 500 (default 50).</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "pageSize")]
    public int? PageSize { get; init; }
    /// <summary>Case-insensitive text to look for.</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "search")]
    public string? Search { get; init; }

    public PageRequest ToRequest() => new(Page ?? 1, PageSize ?? 50, Search);
}

/// <summary>How a mailbox is used (issue 19 item 4); see <c>GET .../mailboxes/{localPart}/activity</c>.</summary>
public sealed record MailboxActivityDto(
    string Address, long UsedBytes, long QuotaBytes, bool ImapEnabled, bool Pop3Enabled, int Pop3RetentionDays,
    IReadOnlyDictionary<string, DateTimeOffset> LastLogins, Pop3KeptDto Pop3Kept, Pop3RemovedDto Pop3Removed, Pop3AdviceDto? Advice)
{
    public static MailboxActivityDto From(HostingPanel.Application.Mailboxes.MailboxActivityView v) => new(
        v.Address, v.UsedBytes, v.QuotaBytes, v.ImapEnabled, v.Pop3Enabled, v.Pop3RetentionDays, v.LastLogins,
        new Pop3KeptDto(v.Pop3Kept.Messages, v.Pop3Kept.Bytes, v.Pop3Kept.OldestRetrievedAt, v.Pop3Kept.KeptForDays),
        new Pop3RemovedDto(v.Pop3Removed.Messages, v.Pop3Removed.Bytes, v.Pop3Removed.LastAt, v.Pop3Removed.WindowDays),
        v.Advice is { } a ? new Pop3AdviceDto(a.BytesPerDay, a.ProjectedFullAt, a.SuggestedRetentionDays) : null);
}

public sealed record Pop3KeptDto(long Messages, long Bytes, DateTimeOffset? OldestRetrievedAt, int KeptForDays);

public sealed record Pop3RemovedDto(long Messages, long Bytes, DateTimeOffset? LastAt, int WindowDays);

public sealed record Pop3AdviceDto(long BytesPerDay, DateTimeOffset? ProjectedFullAt, int SuggestedRetentionDays);

public sealed record Pop3KeeperListDto(IReadOnlyList<Pop3KeeperDto> Items);

public sealed record Pop3KeeperDto(
    string Address, string Domain, string LocalPart, long UsedBytes, long QuotaBytes, long KeptMessages, long KeptBytes,
    DateTimeOffset OldestRetrievedAt, int KeptForDays, DateTimeOffset? LastPop3Login, long BytesPerDay, DateTimeOffset? ProjectedFullAt)
{
    public static Pop3KeeperDto From(HostingPanel.Application.Mailboxes.Pop3KeeperView v) => new(
        v.Address, v.Domain, v.LocalPart, v.UsedBytes, v.QuotaBytes, v.KeptMessages, v.KeptBytes, v.OldestRetrievedAt, v.KeptForDays,
        v.LastPop3Login, v.BytesPerDay, v.ProjectedFullAt);
}

/// <summary>A usage chart's data (issue 19 item 6); see <c>GET .../usage-history</c>.</summary>
public sealed record UsageHistoryDto(
    string Subject, Guid Id, string Name, string Range, string Resolution, DateTimeOffset From,
    IReadOnlyList<UsageHistoryPointDto> Points, long CurrentBytes, long LimitBytes)
{
    public const string Description = "`range`: `week` (default; a point per hour for 7 days) or `year` (a point per day for 13 months); "
        + "anything else is 400. `points` `[{at, usedBytes, messageCount}]` in time order, each the use at the start of its hour or day; "
        + "a mailbox has a point only where its use changed (a value holds until the next point), customers and resellers one per hour or day. "
        + "`currentBytes` is the use now, `limitBytes` the quota, plan or pool (0: none). Older points are thinned away by the worker. 404 outside the caller's scope.";

    public static UsageHistoryDto Of(HostingPanel.Application.Usage.UsageHistoryView v) => new(
        v.Subject.ToString().ToLowerInvariant(), v.SubjectId, v.Name, v.Range.ToString().ToLowerInvariant(), v.Resolution.ToString().ToLowerInvariant(), v.From,
        v.Points.Select(p => new UsageHistoryPointDto(p.At, p.UsedBytes, p.MessageCount)).ToList(), v.CurrentBytes, v.LimitBytes);
}

public sealed record UsageHistoryPointDto(DateTimeOffset At, long UsedBytes, long MessageCount);

/// <summary>A domain's quota room (issue 19 item 7); see <c>GET /api/v1/domains/{domain}/quota</c>.</summary>
public sealed record DomainQuotaDto(
    string Domain, long? CapMb, long DomainAllocatedMb, long PlanDiskMb, long PlanAllocatedMb, long LeftMb, int MailboxesLeft,
    long DefaultMailboxQuotaMb, long ProposedQuotaMb)
{
    public const string Description = "What the domain's next mailbox can have, in MB: `leftMb` is the plan's disk not yet given to mailboxes "
        + "(`planDiskMb` - `planAllocatedMb`), and no more than the rest of the domain's own cap (`capMb`, null: none; `domainAllocatedMb` its "
        + "mailboxes' quotas together); `mailboxesLeft` how many more the plan allows; `proposedQuotaMb` what the new-mailbox form proposes: the "
        + "plan's `defaultMailboxQuotaMb` when it fits, otherwise `leftMb` shared equally by `mailboxesLeft`, rounded down to two significant "
        + "digits (0: no mailbox fits). 404 outside the caller's scope.";

    public static DomainQuotaDto Of(HostingPanel.Application.Quotas.DomainQuotaRoom r) => new(
        r.Domain, r.CapMb, r.DomainAllocatedMb, r.PlanDiskMb, r.PlanAllocatedMb, r.LeftMb, r.MailboxesLeft, r.DefaultMailboxQuotaMb, r.ProposedQuotaMb);
}

/// <summary>The body of <c>PUT /api/v1/domains/{domain}/quota</c>: <c>capMb</c>, null to remove the cap.</summary>
public sealed class DomainQuotaCapInput
{
    public long? CapMb { get; set; }
}
