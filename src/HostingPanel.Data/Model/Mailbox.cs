namespace HostingPanel.Data.Model;

/// <summary>A mailbox: the desired state the worker applies to the engine. Usage lives in <see cref="MailboxUsage"/>.</summary>
public class Mailbox
{
    public const int MaxRetentionDays = 3650;

    private Mailbox() { LocalPart = ""; PasswordHash = ""; }

    public Mailbox(Guid domainId, LocalPart localPart, string passwordHash, long quotaMb, string? displayName)
    {
        DomainId = domainId;
        LocalPart = localPart.Value;
        PasswordHash = passwordHash;
        QuotaMb = quotaMb;
        DisplayName = displayName;
        Enabled = ImapEnabled = Pop3Enabled = true;
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public Guid DomainId { get; private set; }
    public Domain? Domain { get; private set; }
    public string LocalPart { get; private set; }
    /// <summary>Dovecot-format hash ({ARGON2ID}...), never the password.</summary>
    public string PasswordHash { get; private set; }
    public long QuotaMb { get; private set; }
    public string? DisplayName { get; private set; }
    public bool Enabled { get; private set; }
    public bool ImapEnabled { get; private set; }
    public bool Pop3Enabled { get; private set; }
    /// <summary>0 keeps messages retrieved by POP3 forever.</summary>
    public int Pop3RetentionDays { get; private set; }
    /// <summary>Forwarding set by the owner: addresses, one per row of <see cref="MailboxForward"/>.</summary>
    public List<MailboxForward> Forwards { get; private set; } = [];
    public bool KeepCopyWhenForwarding { get; private set; } = true;
    /// <summary>
    /// Someone else (staff, the reseller, the customer) set the password: the owner's portal shows only the security page
    /// until the owner chooses a new one. Mail clients keep working with the password they were given.
    /// </summary>
    public bool PasswordChangeRequired { get; private set; }
    public EntityStatus Status { get; private set; } = EntityStatus.Pending;
    public string? StatusDetail { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }
    public MailboxUsage? Usage { get; private set; }

    public string AddressIn(string domainName) => $"{LocalPart}@{domainName}";
    public long QuotaBytes => QuotaMb * 1024 * 1024;

    /// <summary>The owner's own change: nothing more is asked of the owner.</summary>
    public void ChangePassword(string passwordHash) { PasswordHash = passwordHash; PasswordChangeRequired = false; }
    /// <summary>A password set by someone other than the owner, who is asked to replace it at the next portal sign-in.</summary>
    public void ResetPassword(string passwordHash) { PasswordHash = passwordHash; PasswordChangeRequired = true; }
    public void SetQuota(long quotaMb) => QuotaMb = quotaMb;
    public void SetDisplayName(string? displayName) => DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim();
    public void SetEnabled(bool enabled) => Enabled = enabled;
    public void SetProtocols(bool imap, bool pop3) { ImapEnabled = imap; Pop3Enabled = pop3; }
    public void SetPop3Retention(int days) => Pop3RetentionDays = days;

    public void SetForwarding(IEnumerable<string> addresses, bool keepCopy)
    {
        Forwards.Clear();
        foreach (var a in addresses.Distinct(StringComparer.OrdinalIgnoreCase)) Forwards.Add(new MailboxForward(a));
        KeepCopyWhenForwarding = keepCopy;
    }

    public void SetStatus(EntityStatus status, string? detail) { Status = status; StatusDetail = detail; }
    public void MarkPending() => SetStatus(EntityStatus.Pending, null);
    public void MarkDeleted(DateTimeOffset at) { DeletedAt = at; SetStatus(EntityStatus.Deleting, null); }
    public void Restore() { DeletedAt = null; MarkPending(); }
}

public class MailboxForward
{
    private MailboxForward() { Address = ""; }
    public MailboxForward(string address) => Address = address;
    public Guid Id { get; private set; } = Guid.NewGuid();
    public Guid MailboxId { get; private set; }
    public string Address { get; private set; }
}

/// <summary>Usage reported by the engine; owned by the worker, never by the admin (see docs/conventions.md 13).</summary>
public class MailboxUsage
{
    private MailboxUsage() { }
    public MailboxUsage(Guid mailboxId) => MailboxId = mailboxId;
    public Guid MailboxId { get; private set; }
    public long UsedBytes { get; private set; }
    public long MessageCount { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    /// <summary>Highest quota warning level (80, 95, 100) already sent for the current crossing; 0 for none.</summary>
    public int WarnedLevel { get; private set; }

    public void Update(long usedBytes, long messageCount, DateTimeOffset at)
    {
        UsedBytes = usedBytes;
        MessageCount = messageCount;
        UpdatedAt = at;
    }

    public void SetWarnedLevel(int level) => WarnedLevel = level;
}
