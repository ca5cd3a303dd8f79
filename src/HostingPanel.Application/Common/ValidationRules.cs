using FluentValidation;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Common;

/// <summary>Rules shared by several input models, so every form and endpoint says the same thing.</summary>
public static class ValidationRules
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 200;
    public const long MaxQuotaMb = 1024 * 1024;

    public static IRuleBuilderOptions<T, string?> DomainName<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Custom((value, ctx) =>
        {
            if (!Data.Model.DomainName.TryParse(value, out _, out var error)) ctx.AddFailure(error);
        }).NotNull().WithMessage("Enter a domain name.");

    public static IRuleBuilderOptions<T, string?> LocalPartRule<T>(this IRuleBuilder<T, string?> rule, bool allowCatchAll = false) =>
        rule.Custom((value, ctx) =>
        {
            if (value?.Trim() == LocalPart.CatchAll)
            {
                if (!allowCatchAll) ctx.AddFailure("* is the catch-all; only an alias can have it.");
                return;
            }
            if (!LocalPart.TryParse(value, out _, out var error)) ctx.AddFailure(error);
        }).NotNull().WithMessage("Enter the part before the @.");

    public static IRuleBuilderOptions<T, string?> Address<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Custom((value, ctx) =>
        {
            if (!EmailAddress.TryParse(value, out _, out var error)) ctx.AddFailure(error);
        }).NotNull().WithMessage("Enter an address like name@example.com.");

    public static IRuleBuilderOptions<T, string?> Password<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("Enter a password.")
            .MinimumLength(MinPasswordLength).WithMessage($"The password needs at least {MinPasswordLength} characters.")
            .MaximumLength(MaxPasswordLength).WithMessage($"The password can have at most {MaxPasswordLength} characters.")
            .Must(p => p is null || !p.Any(char.IsControl)).WithMessage("The password cannot contain control characters.");

    public const int MaxPasswordHashLength = 512;

    /// <summary>A Dovecot-format hash of a scheme the engine verifies, complete (see <see cref="IMailboxPasswordHasher.IsImportableHash"/>).</summary>
    public static IRuleBuilderOptions<T, string?> PasswordHash<T>(this IRuleBuilder<T, string?> rule, IMailboxPasswordHasher hasher) =>
        rule.NotEmpty().WithMessage("Enter a password hash.")
            .MaximumLength(MaxPasswordHashLength).WithMessage($"The password hash can have at most {MaxPasswordHashLength} characters.")
            // The cost first: an over-limit hash is told its limit, not that its format is wrong.
            .Custom((h, ctx) =>
            {
                if (h is not null && h.Length <= MaxPasswordHashLength && hasher.CostLimitExceeded(h) is { } limit) ctx.AddFailure(limit);
            })
            .Must(h => h is null || h.Length > MaxPasswordHashLength || hasher.CostLimitExceeded(h) is not null || hasher.IsImportableHash(h))
            .WithMessage("The password hash must be a complete Dovecot-format hash: {ARGON2ID}$argon2id$..., {SHA512-CRYPT}$6$... or {BLF-CRYPT}$2y$... (as doveadm pw writes them).");

    public static IRuleBuilderOptions<T, string?> PersonName<T>(this IRuleBuilder<T, string?> rule, string what) =>
        rule.NotEmpty().WithMessage($"Enter a {what}.")
            .MaximumLength(200).WithMessage($"The {what} can have at most 200 characters.")
            .Must(n => n is null || !n.Any(char.IsControl)).WithMessage($"The {what} cannot contain control characters.");

    public static IRuleBuilderOptions<T, long> QuotaMb<T>(this IRuleBuilder<T, long> rule) =>
        rule.GreaterThan(0).WithMessage("The quota must be at least 1 MB.")
            .LessThanOrEqualTo(MaxQuotaMb).WithMessage($"The quota can be at most {MaxQuotaMb} MB.");

    /// <summary>A plan's default mailbox size: 0 for none, -1 for unlimited (what is left), else a valid quota (the plan's disk is checked by the customer).</summary>
    public static IRuleBuilderOptions<T, long> DefaultMailboxQuotaMb<T>(this IRuleBuilder<T, long> rule) =>
        rule.InclusiveBetween(Customer.UnlimitedMailboxQuota, MaxQuotaMb)
            .WithMessage($"The default mailbox size must be between 0 (none) and {MaxQuotaMb} MB, or -1 for unlimited (each new mailbox gets what is left).")
            .OverridePropertyName("DefaultMailboxQuotaMb");

    /// <summary>A reseller's overselling ratio in percent of its pool.</summary>
    public static IRuleBuilderOptions<T, int> OversellPercent<T>(this IRuleBuilder<T, int> rule) =>
        rule.InclusiveBetween(Reseller.NoOverselling, Reseller.MaxOversellPercent)
            .WithMessage($"Overselling must be between {Reseller.NoOverselling} % (none) and {Reseller.MaxOversellPercent} % of the pool.")
            .OverridePropertyName("OversellPercent");

    public static IRuleBuilderOptions<T, int> Count<T>(this IRuleBuilder<T, int> rule, string what) =>
        rule.InclusiveBetween(0, 1_000_000).WithMessage($"The number of {what} must be between 0 and 1000000.");

    public static IRuleBuilderOptions<T, long> DiskMb<T>(this IRuleBuilder<T, long> rule) =>
        rule.InclusiveBetween(0, 1024L * 1024 * 1024).WithMessage("The disk quota must be between 0 and 1073741824 MB.");

    public static IRuleBuilderOptions<T, int> RetentionDays<T>(this IRuleBuilder<T, int> rule) =>
        rule.InclusiveBetween(0, Mailbox.MaxRetentionDays).WithMessage($"Retention must be between 0 (keep forever) and {Mailbox.MaxRetentionDays} days.");
}
