namespace HostingPanel.MailEngine.Admin;

/// <summary>
/// The engine's provisioning API: the only way the panel (through the provisioning worker) changes
/// the engine's directory. Every call is idempotent: applying the same desired state twice leaves
/// the engine as applying it once.
/// </summary>
public interface IMailEngineAdmin
{
    /// <summary>Creates the domain if missing; enables it.</summary>
    Task EnsureDomainAsync(string domain, CancellationToken ct = default);

    /// <summary>Removes the domain and everything in it (mailboxes get the grace period given).</summary>
    Task RemoveDomainAsync(string domain, DateTimeOffset purgeAfter, CancellationToken ct = default);

    /// <summary>Creates or updates a mailbox to exactly the given spec (creates its default folders once).</summary>
    Task EnsureMailboxAsync(MailboxSpec spec, CancellationToken ct = default);

    /// <summary>
    /// <see cref="EnsureMailboxAsync"/> for many mailboxes in one transaction: all of them or, on an error,
    /// none (a spec that is not valid fails the whole call before anything is written).
    /// </summary>
    Task EnsureMailboxesAsync(IReadOnlyList<MailboxSpec> specs, CancellationToken ct = default);

    /// <summary>Replaces the destinations of one alias (localPart "*" is the domain's catch-all).</summary>
    Task EnsureAliasAsync(AliasSpec spec, CancellationToken ct = default);

    Task RemoveAliasAsync(string address, CancellationToken ct = default);

    /// <summary>
    /// Marks a mailbox deleted: it stops receiving (550) and refuses logins at once; its mail is kept
    /// until <paramref name="purgeAfter"/>, when <see cref="PurgeExpiredAsync"/> removes it.
    /// </summary>
    Task RemoveMailboxAsync(string address, DateTimeOffset purgeAfter, CancellationToken ct = default);

    /// <summary>Undoes <see cref="RemoveMailboxAsync"/> while the mail is still kept.</summary>
    Task RestoreMailboxAsync(string address, CancellationToken ct = default);

    /// <summary>Deletes the mail of mailboxes removed longer ago than their grace period; returns how many.</summary>
    Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken ct = default);

    /// <summary>Removes a mailbox and its mail at once (admin action; idempotent).</summary>
    Task PurgeMailboxAsync(string address, CancellationToken ct = default);

    /// <summary>Usage of every mailbox (bytes over all folders, message count).</summary>
    Task<IReadOnlyList<MailboxUsage>> GetUsageAsync(CancellationToken ct = default);

    /// <summary>
    /// Usage of the given mailboxes only, by engine id (<c>MailboxChange.MailboxId</c>), so a sync after a
    /// few deliveries reads a few rows, not the whole directory. Ids that no longer exist are left out.
    /// </summary>
    Task<IReadOnlyList<MailboxUsage>> GetUsageAsync(IReadOnlyCollection<long> mailboxIds, CancellationToken ct = default);

    /// <summary>The engine's whole directory, for reconciliation with the panel.</summary>
    Task<EngineDirectorySnapshot> GetDirectoryAsync(CancellationToken ct = default);
}

/// <param name="Address">Full address in lower case with an A-label domain.</param>
/// <param name="PasswordHash">Dovecot-format hash, e.g. "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$...".</param>
/// <param name="QuotaBytes">Limit over all folders; 0 means unlimited.</param>
/// <param name="Enabled">False: logins refused and incoming mail refused (suspended).</param>
/// <param name="Pop3RetentionDays">0 keeps retrieved messages forever.</param>
/// <param name="ForwardTo">External or local addresses to forward incoming mail to.</param>
/// <param name="KeepCopyWhenForwarding">Whether forwarded mail is also stored in this mailbox.</param>
/// <param name="TrashRetentionDays">Messages in Trash older than this are removed (0 = never), unless the folder has its own setting.</param>
/// <param name="JunkRetentionDays">The same for Junk.</param>
public sealed record MailboxSpec(
    string Address,
    string PasswordHash,
    long QuotaBytes,
    bool Enabled,
    bool ImapEnabled,
    bool Pop3Enabled,
    int Pop3RetentionDays,
    string? DisplayName = null,
    IReadOnlyList<string>? ForwardTo = null,
    bool KeepCopyWhenForwarding = true,
    int TrashRetentionDays = 0,
    int JunkRetentionDays = 0);

/// <param name="Address">"local@domain", or "*@domain" for the catch-all.</param>
public sealed record AliasSpec(string Address, IReadOnlyList<string> Destinations);

public sealed record MailboxUsage(string Address, long UsedBytes, long MessageCount, long QuotaBytes);

public sealed record EngineDirectorySnapshot(
    IReadOnlyList<string> Domains,
    IReadOnlyList<MailboxSpec> Mailboxes,
    IReadOnlyList<AliasSpec> Aliases,
    IReadOnlyList<string> RemovedMailboxes);
