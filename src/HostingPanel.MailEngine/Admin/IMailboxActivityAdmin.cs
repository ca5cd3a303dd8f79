namespace HostingPanel.MailEngine.Admin;

/// <summary>
/// The engine's door for how a mailbox is used (issue 19 item 4): the last login per protocol, the mail POP3 has
/// downloaded but left on the server (and since when), what POP3 clients removed, and the mailboxes whose POP3
/// program never deletes.
/// </summary>
public interface IMailboxActivityAdmin
{
    /// <summary>Null when the engine has no such mailbox.</summary>
    Task<MailboxActivity?> GetActivityAsync(string address, CancellationToken ct = default);

    /// <summary>
    /// Mailboxes whose POP3 program keeps downloaded mail on the server for good: POP3 retention off (0), mail first
    /// downloaded at least <see cref="MailboxActivityAdmin.KeeperMinimumAge"/> ago still there, and no POP3 removal
    /// in the last <see cref="MailboxActivityAdmin.RemovalWindow"/>. <paramref name="domains"/> narrows to those
    /// domains (null: all). Ordered by address.
    /// </summary>
    Task<IReadOnlyList<Pop3Keeper>> ListPop3KeepersAsync(IReadOnlyCollection<string>? domains, CancellationToken ct = default);
}

/// <param name="LastLogins">Protocol name (imap, pop3, webmail, submission, managesieve) to the last successful login.</param>
/// <param name="Removed">What POP3 clients removed in the last <see cref="MailboxActivityAdmin.RemovalWindow"/>.</param>
public sealed record MailboxActivity(
    string Address,
    long UsedBytes,
    long QuotaBytes,
    bool ImapEnabled,
    bool Pop3Enabled,
    int Pop3RetentionDays,
    IReadOnlyDictionary<string, DateTimeOffset> LastLogins,
    Pop3KeptMail Kept,
    Pop3RemovedMail Removed);

/// <summary>Mail a POP3 client downloaded (RETR) and left on the server.</summary>
public sealed record Pop3KeptMail(long Messages, long Bytes, DateTimeOffset? OldestRetrievedAt);

/// <summary>Mail POP3 clients removed (DELE, then QUIT) within a window.</summary>
public sealed record Pop3RemovedMail(long Messages, long Bytes, DateTimeOffset? LastAt);

public sealed record Pop3Keeper(
    string Address,
    long UsedBytes,
    long QuotaBytes,
    long KeptMessages,
    long KeptBytes,
    DateTimeOffset OldestRetrievedAt,
    DateTimeOffset? LastPop3Login);
