namespace HostingPanel.Application.Mailboxes;

/// <summary>
/// How a mailbox is used (issue 19 item 4): the last login per way in, what POP3 left on the server and for how long,
/// what POP3 programs removed lately, and the advice that follows.
/// </summary>
/// <param name="LastLogins">
/// Keyed by <see cref="MailboxActivityView.Protocols"/> (imap, pop3, webmail, submission, managesieve); a way never used is absent.
/// </param>
public sealed record MailboxActivityView(
    string Address,
    long UsedBytes,
    long QuotaBytes,
    bool ImapEnabled,
    bool Pop3Enabled,
    int Pop3RetentionDays,
    IReadOnlyDictionary<string, DateTimeOffset> LastLogins,
    Pop3KeptView Pop3Kept,
    Pop3RemovedView Pop3Removed,
    Pop3Advice? Advice)
{
    /// <summary>The ways in, in the order pages show them.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["imap", "pop3", "webmail", "submission", "managesieve"];
}

/// <param name="OldestRetrievedAt">When the longest-kept of them was first downloaded (null: nothing kept).</param>
/// <param name="KeptForDays">Whole days since then.</param>
public sealed record Pop3KeptView(long Messages, long Bytes, DateTimeOffset? OldestRetrievedAt, int KeptForDays);

/// <summary>What POP3 programs removed from the server in the last <see cref="WindowDays"/> days.</summary>
public sealed record Pop3RemovedView(long Messages, long Bytes, DateTimeOffset? LastAt, int WindowDays);

/// <summary>
/// The advice for a POP3 program that never deletes: the mailbox grows by what it downloads, at about
/// <see cref="BytesPerDay"/>, and is full around <see cref="ProjectedFullAt"/> (null: it does not grow, or no quota).
/// <see cref="SuggestedRetentionDays"/> is the one-click fix: the program keeps its copy, the server lets go after that.
/// </summary>
public sealed record Pop3Advice(long BytesPerDay, DateTimeOffset? ProjectedFullAt, int SuggestedRetentionDays);

/// <summary>One line of the "POP3 programs that never delete" report.</summary>
public sealed record Pop3KeeperView(
    string Address,
    string Domain,
    string LocalPart,
    long UsedBytes,
    long QuotaBytes,
    long KeptMessages,
    long KeptBytes,
    DateTimeOffset OldestRetrievedAt,
    int KeptForDays,
    DateTimeOffset? LastPop3Login,
    long BytesPerDay,
    DateTimeOffset? ProjectedFullAt);

/// <summary>The engine's activity data as the panel sees it (a stand-in on nodes without the mail engine).</summary>
public interface IMailboxActivitySource
{
    bool Available { get; }
    Task<MailboxActivitySnapshot?> GetAsync(string address, CancellationToken ct);
    /// <param name="domains">Narrow to these domains (A-labels); null: every domain.</param>
    Task<IReadOnlyList<Pop3KeeperSnapshot>> ListPop3KeepersAsync(IReadOnlyCollection<string>? domains, CancellationToken ct);
}

public sealed record MailboxActivitySnapshot(
    string Address, long UsedBytes, long QuotaBytes, bool ImapEnabled, bool Pop3Enabled, int Pop3RetentionDays,
    IReadOnlyDictionary<string, DateTimeOffset> LastLogins,
    long KeptMessages, long KeptBytes, DateTimeOffset? OldestRetrievedAt,
    long RemovedMessages, long RemovedBytes, DateTimeOffset? LastRemovedAt, int RemovalWindowDays,
    int KeeperMinimumAgeDays);

public sealed record Pop3KeeperSnapshot(string Address, long UsedBytes, long QuotaBytes, long KeptMessages, long KeptBytes,
    DateTimeOffset OldestRetrievedAt, DateTimeOffset? LastPop3Login);

public sealed class NoMailboxActivitySource : IMailboxActivitySource
{
    public bool Available => false;
    public Task<MailboxActivitySnapshot?> GetAsync(string address, CancellationToken ct) => Task.FromResult<MailboxActivitySnapshot?>(null);
    public Task<IReadOnlyList<Pop3KeeperSnapshot>> ListPop3KeepersAsync(IReadOnlyCollection<string>? domains, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<Pop3KeeperSnapshot>>([]);
}

/// <summary>The arithmetic of the POP3 advice, in one place (pages, API and tests agree).</summary>
public static class Pop3Projection
{
    /// <summary>The retention the one-click fix sets: long enough for a computer that is off for a holiday.</summary>
    public const int SuggestedRetentionDays = 30;

    /// <summary>
    /// Growth from downloaded mail: what is kept, spread over the time since the oldest of it was first downloaded
    /// (at least a day, so a first download does not look like a flood).
    /// </summary>
    public static long BytesPerDay(long keptBytes, DateTimeOffset oldestRetrievedAt, DateTimeOffset now)
    {
        var days = Math.Max(1.0, (now - oldestRetrievedAt).TotalDays);
        return (long)Math.Round(keptBytes / days);
    }

    /// <summary>When the quota is reached at that rate; null without a quota or without growth; now when already full.</summary>
    public static DateTimeOffset? FullAt(long usedBytes, long quotaBytes, long bytesPerDay, DateTimeOffset now)
    {
        if (quotaBytes <= 0 || bytesPerDay <= 0) return null;
        var left = quotaBytes - usedBytes;
        if (left <= 0) return now;
        var days = (double)left / bytesPerDay;
        // Beyond a century the date says nothing useful (and would overflow far enough out).
        return days > 36_500 ? null : now.AddDays(days);
    }

    public static int WholeDays(DateTimeOffset? since, DateTimeOffset now) =>
        since is { } s && now > s ? (int)Math.Floor((now - s).TotalDays) : 0;
}
