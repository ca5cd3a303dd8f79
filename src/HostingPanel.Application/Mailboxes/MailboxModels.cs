using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Mailboxes;

public sealed class CreateMailboxInput
{
    public string? LocalPart { get; set; }
    public string? Password { get; set; }

    /// <summary>
    /// Instead of <see cref="Password"/>: a password already hashed in Dovecot's format ({ARGON2ID},
    /// {SHA512-CRYPT} or {BLF-CRYPT}), for imports from another server and bulk creation, where
    /// hashing each password here (Argon2id, about 0.2 s) would dominate.
    /// </summary>
    public string? PasswordHash { get; set; }

    /// <summary>Null: the domain's proposal (the plan's default size when it fits, else a fair share of what is left; issue 19 item 7).</summary>
    public long? QuotaMb { get; set; }
    public string? DisplayName { get; set; }

    /// <summary>
    /// When the address belongs to a deleted mailbox whose mail is kept for the grace period: true deletes that mail now
    /// and creates the new mailbox empty. Without it such an address is a conflict (409) that says so.
    /// </summary>
    public bool PurgeDeleted { get; set; }
}

public sealed class CreateMailboxValidator : AbstractValidator<CreateMailboxInput>
{
    public CreateMailboxValidator(IMailboxPasswordHasher hasher)
    {
        RuleFor(x => x.LocalPart).LocalPartRule();
        When(x => x.PasswordHash is null, () => RuleFor(x => x.Password).Password());
        When(x => x.PasswordHash is not null, () =>
        {
            RuleFor(x => x.Password).Null().WithMessage("Give either a password or a password hash, not both.");
            RuleFor(x => x.PasswordHash).PasswordHash(hasher);
        });
        When(x => x.QuotaMb is not null, () => RuleFor(x => x.QuotaMb!.Value).QuotaMb().OverridePropertyName(nameof(CreateMailboxInput.QuotaMb)));
        RuleFor(x => x.DisplayName).MaximumLength(200).WithMessage("The display name can have at most 200 characters.")
            .Must(n => n is null || !n.Any(char.IsControl)).WithMessage("The display name cannot contain control characters.");
    }
}

/// <summary>A partial change: null leaves a field as it is (PATCH semantics).</summary>
public sealed class UpdateMailboxInput
{
    public string? Password { get; set; }
    public long? QuotaMb { get; set; }
    public string? DisplayName { get; set; }
    public bool? Enabled { get; set; }
    public bool? ImapEnabled { get; set; }
    public bool? Pop3Enabled { get; set; }
    public int? Pop3RetentionDays { get; set; }

    /// <summary>Addresses to forward to (replaces the list; empty stops forwarding), as the owner sets them in the portal.</summary>
    public List<string>? ForwardTo { get; set; }

    /// <summary>Whether forwarded mail is also kept in the mailbox; always true while nothing is forwarded.</summary>
    public bool? KeepCopy { get; set; }
}

public sealed class UpdateMailboxValidator : AbstractValidator<UpdateMailboxInput>
{
    public UpdateMailboxValidator()
    {
        When(x => x.Password is not null, () => RuleFor(x => x.Password).Password());
        When(x => x.QuotaMb is not null, () => RuleFor(x => x.QuotaMb!.Value).QuotaMb().OverridePropertyName(nameof(UpdateMailboxInput.QuotaMb)));
        When(x => x.Pop3RetentionDays is not null, () => RuleFor(x => x.Pop3RetentionDays!.Value).RetentionDays().OverridePropertyName(nameof(UpdateMailboxInput.Pop3RetentionDays)));
        RuleFor(x => x.DisplayName).MaximumLength(200).WithMessage("The display name can have at most 200 characters.")
            .Must(n => n is null || !n.Any(char.IsControl)).WithMessage("The display name cannot contain control characters.");
        RuleFor(x => x.ForwardTo).ForwardTargetCount();
        When(x => ForwardingRules.WithinLimit(x.ForwardTo), () => RuleForEach(x => x.ForwardTo).Address());
    }
}

/// <summary>What a mailbox owner may change about its own mailbox.</summary>
public sealed class OwnerSettingsInput
{
    public List<string> ForwardTo { get; set; } = [];
    public bool KeepCopy { get; set; } = true;
    public int Pop3RetentionDays { get; set; }
}

public sealed class OwnerSettingsValidator : AbstractValidator<OwnerSettingsInput>
{
    public OwnerSettingsValidator()
    {
        RuleFor(x => x.ForwardTo).ForwardTargetCount();
        When(x => ForwardingRules.WithinLimit(x.ForwardTo), () => RuleForEach(x => x.ForwardTo).Address());
        RuleFor(x => x.Pop3RetentionDays).RetentionDays();
    }
}

public sealed class ChangePasswordInput
{
    public const string WrongCurrentPassword = "The current password is not right.";

    public string? CurrentPassword { get; set; }
    public string? Password { get; set; }
}

public sealed class ChangePasswordValidator : AbstractValidator<ChangePasswordInput>
{
    public ChangePasswordValidator()
    {
        RuleFor(x => x.CurrentPassword).NotEmpty().WithMessage("Enter your current password.")
            .MaximumLength(ValidationRules.MaxPasswordLength).WithMessage(ChangePasswordInput.WrongCurrentPassword);
        RuleFor(x => x.Password).Password();
    }
}

public sealed record MailboxView(
    string Address,
    string LocalPart,
    string Domain,
    string? DisplayName,
    long QuotaMb,
    long UsedBytes,
    long MessageCount,
    bool Enabled,
    bool ImapEnabled,
    bool Pop3Enabled,
    int Pop3RetentionDays,
    IReadOnlyList<string> ForwardTo,
    bool KeepCopy,
    EntityStatus Status,
    string? StatusDetail,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UsageUpdatedAt)
{
    public double UsedPercent => QuotaMb <= 0 ? 0 : Math.Min(100, UsedBytes * 100.0 / (QuotaMb * 1024.0 * 1024.0));
}
