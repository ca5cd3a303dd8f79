using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Customers;

public sealed class PlanLimitsInput
{
    public int MaxDomains { get; set; }
    public int MaxMailboxes { get; set; }
    public long DiskQuotaMb { get; set; }

    public PlanLimits ToLimits() => new(MaxDomains, MaxMailboxes, DiskQuotaMb);
}

public sealed class PlanLimitsValidator : AbstractValidator<PlanLimitsInput>
{
    public PlanLimitsValidator()
    {
        RuleFor(x => x.MaxDomains).Count("domains");
        RuleFor(x => x.MaxMailboxes).Count("mailboxes");
        RuleFor(x => x.DiskQuotaMb).DiskMb();
    }
}

public sealed class CreateCustomerInput
{
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Password { get; set; }
    /// <summary>Admins choose the reseller (or none); a reseller's customers are always its own.</summary>
    public Guid? ResellerId { get; set; }
    public PlanLimitsInput? Limits { get; set; }
    /// <summary>The quota the new-mailbox form proposes (0 or left out: an equal share of what is left).</summary>
    public long? DefaultMailboxQuotaMb { get; set; }
}

public sealed class CreateCustomerValidator : AbstractValidator<CreateCustomerInput>
{
    public CreateCustomerValidator()
    {
        RuleFor(x => x.Name).PersonName("name");
        RuleFor(x => x.Email).Address();
        RuleFor(x => x.Password).Password();
        RuleFor(x => x.Limits).NotNull().WithMessage("Give the plan's limits.").SetValidator(new PlanLimitsValidator()!);
        When(x => x.DefaultMailboxQuotaMb is not null, () => RuleFor(x => x.DefaultMailboxQuotaMb!.Value).DefaultMailboxQuotaMb());
    }
}

public sealed class UpdateCustomerInput
{
    public string? Name { get; set; }
    public bool? Enabled { get; set; }
    public PlanLimitsInput? Limits { get; set; }
    public long? DefaultMailboxQuotaMb { get; set; }
}

public sealed class UpdateCustomerValidator : AbstractValidator<UpdateCustomerInput>
{
    public UpdateCustomerValidator()
    {
        When(x => x.Name is not null, () => RuleFor(x => x.Name).PersonName("name"));
        When(x => x.Limits is not null, () => RuleFor(x => x.Limits).SetValidator(new PlanLimitsValidator()!));
        When(x => x.DefaultMailboxQuotaMb is not null, () => RuleFor(x => x.DefaultMailboxQuotaMb!.Value).DefaultMailboxQuotaMb());
    }
}

public sealed record CustomerView(
    Guid Id,
    string Name,
    string? Email,
    Guid? ResellerId,
    string? ResellerName,
    bool Enabled,
    PlanLimits Limits,
    PlanUsage Allocated,
    long UsedBytes,
    DateTimeOffset CreatedAt,
    long DefaultMailboxQuotaMb = 0);
