namespace HostingPanel.Data.Model;

/// <summary>A hosted mail domain of one customer.</summary>
public class Domain
{
    private Domain() { Name = ""; VerificationToken = ""; }

    public Domain(Guid customerId, DomainName name)
    {
        CustomerId = customerId;
        Name = name.Value;
        CreatedAt = DateTimeOffset.UtcNow;
        VerificationToken = NewVerificationToken();
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public Guid CustomerId { get; private set; }
    public Customer? Customer { get; private set; }
    /// <summary>A-label form, lower case (see <see cref="DomainName"/>).</summary>
    public string Name { get; private set; }
    public EntityStatus Status { get; private set; } = EntityStatus.Pending;
    public string? StatusDetail { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }

    /// <summary>
    /// The secret the owner publishes in DNS to prove the domain is theirs (a TXT record the worker looks up).
    /// Random, per domain, never reused: knowing another domain's token proves nothing.
    /// </summary>
    public string VerificationToken { get; private set; }
    /// <summary>When ownership was proven (the TXT record found, or an admin verified it by hand); null: unverified.</summary>
    public DateTimeOffset? VerifiedAt { get; private set; }
    /// <summary>The last time the worker looked for the TXT record (so it checks each domain at its interval).</summary>
    public DateTimeOffset? VerificationCheckedAt { get; private set; }

    public bool IsVerified => VerifiedAt is not null;

    /// <summary>
    /// When whoever manages the customer suspended the domain (unpaid, abuse); null: in service. A suspended domain's
    /// mailboxes refuse logins and mail as a suspended customer's do, and keep their mail.
    /// </summary>
    public DateTimeOffset? SuspendedAt { get; private set; }
    public bool IsSuspended => SuspendedAt is not null;

    public void Suspend(DateTimeOffset at) => SuspendedAt ??= at;
    public void Resume() => SuspendedAt = null;

    /// <summary>
    /// When the tenant asked for a certificate of its own for <c>mail.{Name}</c> (from the ACME CA the operator set up);
    /// null: none asked for, the server's certificate serves the domain's clients.
    /// </summary>
    public DateTimeOffset? CertificateRequestedAt { get; private set; }

    /// <summary>
    /// The most its mailboxes' quotas may add up to, in MiB, inside the customer's plan (null: only the plan limits them).
    /// Lets a customer keep one domain from taking the whole plan.
    /// </summary>
    public long? QuotaCapMb { get; private set; }

    /// <summary>Sets or removes the cap; it may not fall below what the domain's mailboxes already hold.</summary>
    public LimitViolation? SetQuotaCap(long? capMb, long allocatedMb)
    {
        if (capMb is { } cap && allocatedMb > cap) return new LimitViolation("disk", "new domain cap", cap, allocatedMb, 0, "MB");
        QuotaCapMb = capMb;
        return null;
    }

    /// <summary>Room under the cap for <paramref name="requestedMb"/> more, next to <paramref name="allocatedMb"/> already held.</summary>
    public LimitViolation? CheckQuotaCap(long allocatedMb, long requestedMb) =>
        QuotaCapMb is { } cap ? Allocation.Check("disk", "domain's cap", cap, allocatedMb, requestedMb, "MB") : null;

    public void RequestCertificate(DateTimeOffset at) => CertificateRequestedAt ??= at;
    public void WithdrawCertificate() => CertificateRequestedAt = null;

    public void MarkVerified(DateTimeOffset at) => VerifiedAt ??= at;
    public void MarkVerificationChecked(DateTimeOffset at) => VerificationCheckedAt = at;

    /// <summary>128 random bits in lower-case base32: fits a DNS TXT string and survives copy and paste.</summary>
    public static string NewVerificationToken()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(26);
        return new string(bytes.Select(b => alphabet[b & 31]).ToArray());
    }

    public void MarkPending() => SetStatus(EntityStatus.Pending, null);
    public void SetStatus(EntityStatus status, string? detail) { Status = status; StatusDetail = detail; }

    public void MarkDeleted(DateTimeOffset at) { DeletedAt = at; SetStatus(EntityStatus.Deleting, null); }
    public void Restore() { DeletedAt = null; MarkPending(); }
}
