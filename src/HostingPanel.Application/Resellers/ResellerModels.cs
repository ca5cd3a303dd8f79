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
    public bool AllowOverselling { get; set; }
}

public sealed class CreateResellerValidator : AbstractValidator<CreateResellerInput>
{
    public CreateResellerValidator()
    {
        RuleFor(x => x.Name).PersonName("name");
        RuleFor(x => x.Email).Address();
        RuleFor(x => x.Password).Password();
        RuleFor(x => x.Limits).NotNull().WithMessage("Give the pool's limits.").SetValidator(new PoolLimitsValidator()!);
    }
}

public sealed class UpdateResellerInput
{
    public string? Name { get; set; }
    public bool? Enabled { get; set; }
    public bool? AllowOverselling { get; set; }
    public PoolLimitsInput? Limits { get; set; }
}

public sealed class UpdateResellerValidator : AbstractValidator<UpdateResellerInput>
{
    public UpdateResellerValidator()
    {
        When(x => x.Name is not null, () => RuleFor(x => x.Name).PersonName("name"));
        When(x => x.Limits is not null, () => RuleFor(x => x.Limits).SetValidator(new PoolLimitsValidator()!));
    }
}

public sealed record ResellerView(
    Guid Id,
    string Name,
    string? Email,
    bool Enabled,
    bool AllowOverselling,
    PoolLimits Limits,
    PoolLimits Allocated,
    DateTimeOffset CreatedAt);
