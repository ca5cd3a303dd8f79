namespace HostingPanel.MailEngine.Storage;

/// <summary>IMAP system flags (RFC 9051 section 2.3.2) as stored; \Recent is per session and not stored.</summary>
[Flags]
public enum MessageFlags
{
    None = 0,
    Seen = 1,
    Answered = 2,
    Flagged = 4,
    Deleted = 8,
    Draft = 16,
}

public enum FlagChange
{
    Add,
    Remove,
    Replace,
}

/// <summary>A mailbox (account) as the directory knows it.</summary>
/// <param name="Active">Enabled, not removed, and its domain not removed: may log in and receive.</param>
public sealed record MailboxAccount(
    long Id,
    string Address,
    string PasswordHash,
    long QuotaBytes,
    long UsedBytes,
    long MessageCount,
    bool Enabled,
    bool ImapEnabled,
    bool Pop3Enabled,
    int Pop3RetentionDays,
    string? DisplayName,
    bool Active);

/// <summary>A folder. Names are stored as the IMAP wire form (modified UTF-7, '/' as separator); INBOX is upper case.</summary>
/// <param name="SpecialUse">RFC 6154 attribute such as <c>\Sent</c>, or null.</param>
/// <param name="RecentUid">
/// The first UID no IMAP session has claimed as \Recent yet (RFC 3501 2.3.2: a message is \Recent in
/// exactly one session, the first to see it in a read-write SELECT).
/// </param>
public sealed record FolderInfo(
    long Id,
    long MailboxId,
    string Name,
    string? SpecialUse,
    bool Subscribed,
    long UidValidity,
    long UidNext,
    long HighestModSeq,
    long RecentUid = 0)
{
    /// <summary>Every keyword the folder's messages have carried (see <see cref="FolderKeywords"/>).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];
}

/// <summary>Counts for IMAP STATUS and SELECT; <see cref="Recent"/>: messages no session has seen as \Recent yet.</summary>
public sealed record FolderStatus(long Messages, long Unseen, long Deleted, long Size, long UidNext, long UidValidity, long HighestModSeq, long Recent = 0);

/// <summary>One message of a folder. <see cref="Envelope"/>, <see cref="BodyStructure"/> and <see cref="Body"/>
/// are IMAP wire syntax ready to be written after "ENVELOPE ", "BODYSTRUCTURE " and "BODY ".
/// They are null when the listing was asked without summaries. <see cref="HeaderSize"/> is the length of
/// the top-level header (blank line included) at the start of the body file, or -1 when unknown.</summary>
public sealed record StoredMessage(
    long Id,
    long Uid,
    long ModSeq,
    MessageFlags Flags,
    IReadOnlyList<string> Keywords,
    long Size,
    DateTimeOffset InternalDate,
    string BodyPath,
    string? Envelope,
    string? BodyStructure,
    string? Body,
    DateTimeOffset? Pop3RetrievedAt,
    long HeaderSize = -1);

public enum StoreStatus
{
    Ok,
    OverQuota,
    NotFound,
    AlreadyExists,
    Invalid,
    HasChildren,
    TooLarge,
    MailboxInactive,
}

public sealed record AppendResult(StoreStatus Status, long UidValidity = 0, long Uid = 0)
{
    /// <summary>The folder the copy went into after any fallback (delivery after Sieve sets it; null elsewhere).</summary>
    public string? Folder { get; init; }
}

/// <summary>Result of COPY/MOVE: source and destination UIDs pair up by index (RFC 4315 COPYUID).</summary>
public sealed record CopyResult(StoreStatus Status, long DestinationUidValidity = 0, IReadOnlyList<long>? SourceUids = null, IReadOnlyList<long>? DestinationUids = null)
{
    /// <summary>The RFC 6154 attributes of the source and target folders (a move into or out of \Junk teaches the spam filter).</summary>
    public string? SourceSpecialUse { get; init; }
    public string? TargetSpecialUse { get; init; }
}

public sealed record FlagUpdate(long Uid, MessageFlags Flags, IReadOnlyList<string> Keywords, long ModSeq);

/// <summary>Result of STORE: <see cref="Failed"/> are UIDs whose MODSEQ was above UNCHANGEDSINCE (RFC 7162).</summary>
public sealed record StoreFlagsResult(IReadOnlyList<FlagUpdate> Updated, IReadOnlyList<long> Failed, long HighestModSeq);

public sealed record QuotaUsage(long UsedBytes, long QuotaBytes, long MessageCount);
