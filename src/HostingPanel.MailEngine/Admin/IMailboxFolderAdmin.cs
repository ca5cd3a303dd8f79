namespace HostingPanel.MailEngine.Admin;

/// <summary>
/// The engine's door for where a mailbox's space went: per-folder usage (kept by the store beside the
/// messages, so a read costs one row per folder), per-folder retention, the largest messages, and the
/// retention runs. Folder names are Unicode here; the store keeps IMAP's modified UTF-7.
/// </summary>
public interface IMailboxFolderAdmin
{
    /// <summary>The mailbox's folders, largest first; null when the engine has no such mailbox.</summary>
    Task<MailboxFolderOverview?> GetOverviewAsync(string address, CancellationToken ct = default);

    /// <summary>Sets a folder's retention (0 = never; null = back to the mailbox's default for Trash and Junk).</summary>
    Task<FolderRetentionOutcome> SetRetentionAsync(string address, string folder, int? retentionDays, CancellationToken ct = default);

    /// <summary>The largest messages of the mailbox (all folders), largest first; null when there is no such mailbox.</summary>
    Task<IReadOnlyList<LargeMessage>?> GetLargestMessagesAsync(string address, int limit, CancellationToken ct = default);
}

/// <param name="RetentionDays">What applies now: the folder's own setting, else the mailbox's Trash/Junk default, else 0 (never).</param>
/// <param name="RetentionIsDefault">True when <paramref name="RetentionDays"/> comes from the mailbox's default, not the folder.</param>
public sealed record FolderUsage(string Name, string? SpecialUse, long Messages, long Bytes, int RetentionDays, bool RetentionIsDefault);

/// <param name="RefusedSince">When new mail began to be refused for the quota (null: it is not).</param>
/// <param name="RetentionRuns">The latest retention runs that removed something, newest first.</param>
public sealed record MailboxFolderOverview(
    string Address,
    long UsedBytes,
    long QuotaBytes,
    long MessageCount,
    DateTimeOffset? RefusedSince,
    IReadOnlyList<FolderUsage> Folders,
    IReadOnlyList<RetentionRun> RetentionRuns);

public sealed record RetentionRun(DateTimeOffset At, long Messages, long Bytes);

/// <param name="Subject">Decoded from the cached envelope; empty when it has none.</param>
public sealed record LargeMessage(string Folder, long Uid, long Size, DateTimeOffset InternalDate, string Subject, string From);

public enum FolderRetentionOutcome
{
    Ok,
    MailboxNotFound,
    FolderNotFound,
}
