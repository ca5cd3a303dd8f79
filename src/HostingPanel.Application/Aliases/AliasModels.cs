using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Aliases;

public sealed class CreateAliasInput
{
    /// <summary>A dot-atom local part, or "*" for the domain's catch-all.</summary>
    public string? LocalPart { get; set; }
    public List<string> Destinations { get; set; } = [];
}

public sealed class ReplaceDestinationsInput
{
    public List<string> Destinations { get; set; } = [];
}

public sealed class CreateAliasValidator : AbstractValidator<CreateAliasInput>
{
    public CreateAliasValidator()
    {
        RuleFor(x => x.LocalPart).LocalPartRule(allowCatchAll: true);
        RuleFor(x => x.Destinations).Destinations();
        RuleForEach(x => x.Destinations).Address();
    }
}

public sealed class ReplaceDestinationsValidator : AbstractValidator<ReplaceDestinationsInput>
{
    public ReplaceDestinationsValidator()
    {
        RuleFor(x => x.Destinations).Destinations();
        RuleForEach(x => x.Destinations).Address();
    }
}

internal static class AliasRules
{
    public const int MaxDestinations = 100;

    public static IRuleBuilderOptions<T, List<string>> Destinations<T>(this IRuleBuilder<T, List<string>> rule) =>
        rule.NotNull().WithMessage("Add at least one destination.")
            .Must(d => d is { Count: > 0 }).WithMessage("Add at least one destination.")
            .Must(d => d is null || d.Count <= MaxDestinations).WithMessage($"An alias can have at most {MaxDestinations} destinations.");
}

public sealed record AliasView(string Address, string LocalPart, string Domain, bool IsCatchAll, IReadOnlyList<string> Destinations, EntityStatus Status, string? StatusDetail, DateTimeOffset CreatedAt);
