using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Resellers;

public sealed class PoolLimitsInput
{
    public int MaxCustomers { get; set; }
    public int MaxDomains { get; set; }
    public int MaxMailboxes { get; set; }
    public long DiskQuotaMb { get; set; }

    public PoolLimits ToLimits() => new(MaxCustomers, MaxDomains, MaxMailboxes, DiskQuotaMb);
}

public sealed class PoolLimitsValidator : AbstractValidator<PoolLimitsInput>
{
    public PoolLimitsValidator()
    {
        RuleFor(x => x.MaxCustomers).Count("customers");
        RuleFor(x => x.MaxDomains).Count("domains");
        RuleFor(x => x.MaxMailboxes).Count("mailboxes");
        RuleFor(x => x.DiskQuotaMb).DiskMb();
    }
}

public sealed class CreateResellerInput
{
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Password { get; set; }
    public PoolLimitsInput? Limits { get; set; }
    /// <summary>Earlier switch, still taken: true is the most overselling allowed (<see cref="Reseller.MaxOversellPercent"/>).</summary>
    public bool AllowOverselling { get; set; }
    /// <summary>How far plans may add up past the pool, in percent (100: not at all); wins over <see cref="AllowOverselling"/>.</summary>
    public int? OversellPercent { get; set; }

    public int EffectiveOversellPercent => OversellPercent ?? (AllowOverselling ? Reseller.MaxOversellPercent : Reseller.NoOverselling);
}

public sealed class CreateResellerValidator : AbstractValidator<CreateResellerInput>
{
    public CreateResellerValidator()
    {
        RuleFor(x => x.Name).PersonName("name");
        RuleFor(x => x.Email).Address();
        RuleFor(x => x.Password).Password();
        RuleFor(x => x.Limits).NotNull().WithMessage("Give the pool's limits.").SetValidator(new PoolLimitsValidator()!);
        When(x => x.OversellPercent is not null, () => RuleFor(x => x.OversellPercent!.Value).OversellPercent());
    }
}

public sealed class UpdateResellerInput
{
    public string? Name { get; set; }
    public bool? Enabled { get; set; }
    public bool? AllowOverselling { get; set; }
    public int? OversellPercent { get; set; }
    public PoolLimitsInput? Limits { get; set; }

    /// <summary>The ratio asked for, if any: <see cref="OversellPercent"/>, else the earlier switch.</summary>
    public int? EffectiveOversellPercent => OversellPercent ?? AllowOverselling switch
    {
        true => Reseller.MaxOversellPercent,
        false => Reseller.NoOverselling,
        null => null,
    };
}

public sealed class UpdateResellerValidator : AbstractValidator<UpdateResellerInput>
{
    public UpdateResellerValidator()
    {
        When(x => x.Name is not null, () => RuleFor(x => x.Name).PersonName("name"));
        When(x => x.Limits is not null, () => RuleFor(x => x.Limits).SetValidator(new PoolLimitsValidator()!));
        When(x => x.OversellPercent is not null, () => RuleFor(x => x.OversellPercent!.Value).OversellPercent());
    }
}

public sealed record ResellerView(
    Guid Id,
    string Name,
    string? Email,
    bool Enabled,
    int OversellPercent,
    PoolLimits Limits,
    PoolLimits Allocated,
    DateTimeOffset CreatedAt,
    string? DefaultLanguage = null,
    string? DefaultTimeZone = null)
{
    public bool AllowOverselling => OversellPercent > Reseller.NoOverselling;
}
