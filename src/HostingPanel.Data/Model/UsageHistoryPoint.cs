namespace HostingPanel.Data.Model;

/// <summary>Whose disk use a history point is.</summary>
public enum UsageSubject { Mailbox, Customer, Reseller }

/// <summary>How long one point stands for: an hour (kept 7 days) or a day (kept 13 months).</summary>
public enum UsageResolution { Hour, Day }

/// <summary>
/// Disk use of a mailbox, a customer (its mailboxes together) or a reseller (its customers') in one hour or one day,
/// kept by the worker for the charts (issue 19 item 6). Thinned by age: hourly points for <see cref="HoursKept"/>
/// hours, daily ones for <see cref="DaysKept"/> days. A mailbox's point is written only when its use changed
/// since the previous point of that resolution, so a quiet mailbox costs nothing: a value holds until the next point.
/// <see cref="Bucket"/> is whole hours (or days) since 1970 in UTC: an integer, so that ranges and pruning translate
/// on every provider, and one point per subject and bucket (a unique index).
/// </summary>
public class UsageHistoryPoint
{
    public const int HoursKept = 7 * 24;
    public const int DaysKept = 396;

    private UsageHistoryPoint() { }

    public UsageHistoryPoint(UsageSubject subject, Guid subjectId, UsageResolution resolution, long bucket, long usedBytes, long messageCount)
    {
        Subject = subject;
        SubjectId = subjectId;
        Resolution = resolution;
        Bucket = bucket;
        UsedBytes = usedBytes;
        MessageCount = messageCount;
    }

    public long Id { get; private set; }
    public UsageSubject Subject { get; private set; }
    public Guid SubjectId { get; private set; }
    public UsageResolution Resolution { get; private set; }
    public long Bucket { get; private set; }
    public long UsedBytes { get; private set; }
    public long MessageCount { get; private set; }

    public static long BucketOf(DateTimeOffset at, UsageResolution resolution) => at.ToUnixTimeSeconds() / Seconds(resolution);

    public static DateTimeOffset StartOf(long bucket, UsageResolution resolution) => DateTimeOffset.FromUnixTimeSeconds(bucket * Seconds(resolution));

    public static int Kept(UsageResolution resolution) => resolution == UsageResolution.Hour ? HoursKept : DaysKept;

    private static long Seconds(UsageResolution resolution) => resolution == UsageResolution.Hour ? 3600 : 86400;
}
