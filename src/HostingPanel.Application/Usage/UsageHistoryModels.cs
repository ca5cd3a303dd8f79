using HostingPanel.Data.Model;

namespace HostingPanel.Application.Usage;

/// <summary>One point of a usage chart: the use at the start of its hour or day.</summary>
public sealed record UsageHistoryPointView(DateTimeOffset At, long UsedBytes, long MessageCount);

/// <summary>
/// A usage chart (issue 19 item 6): <see cref="Points"/> in time order, a point only where the use changed for a
/// mailbox (the value holds until the next point), one per hour or day for customers and resellers.
/// <see cref="CurrentBytes"/> is the use now; <see cref="LimitBytes"/> the quota, plan or pool (0: none).
/// </summary>
public sealed record UsageHistoryView(
    UsageSubject Subject,
    Guid SubjectId,
    string Name,
    UsageHistoryRange Range,
    UsageResolution Resolution,
    DateTimeOffset From,
    IReadOnlyList<UsageHistoryPointView> Points,
    long CurrentBytes,
    long LimitBytes);

/// <summary>week: hourly points of the last 7 days; year: daily points of the last 13 months.</summary>
public enum UsageHistoryRange { Week, Year }
