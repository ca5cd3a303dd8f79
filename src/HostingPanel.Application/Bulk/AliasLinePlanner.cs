using FluentValidation;
using HostingPanel.Application.Aliases;
using HostingPanel.Application.Common;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Bulk;

/// <summary>One alias line, parsed and checked: a new alias, new destinations for an existing one, or why not.</summary>
internal sealed record AliasLinePlan(BulkLineResult Result, string? LocalPart = null, List<string>? Destinations = null);

/// <summary>
/// Plans an alias line (<c>alias</c> a full address, <c>*@domain</c> for the catch-all; <c>destinations</c> separated
/// by spaces, commas or semicolons) with the portal's alias validators.
/// </summary>
internal sealed class AliasLinePlanner(IValidator<CreateAliasInput> createValidator)
{
    public async Task<AliasLinePlan> PlanAsync(BulkCsvRow row, BulkImportContext context, CancellationToken ct)
    {
        var written = row.Get("alias");
        if (row.Malformed is { } why) return Refuse(row, written, "line", why);
        var at = written.LastIndexOf('@');
        if (at <= 0) return Refuse(row, written, "alias", "Enter an address like name@example.com, or *@example.com for the catch-all.");
        if (!DomainName.TryParse(written[(at + 1)..], out var domain, out var domainError)) return Refuse(row, written, "alias", domainError);
        if (domain!.Value != context.Domain.Name) return Refuse(row, written, "alias", $"The address is not in {context.Domain.Name}.");

        var input = new CreateAliasInput { LocalPart = written[..at].Trim(), Destinations = BulkCsvFormat.SplitList(row.Get("destinations")).ToList() };
        var errors = new BulkLineErrors();
        var validation = await createValidator.ValidateAsync(input, ct);
        if (!validation.IsValid)
        {
            errors.Add(Failure.FromValidation(validation).Errors, BulkCsvKind.Aliases);
            return Refuse(row, written, errors);
        }
        var localPart = input.LocalPart == LocalPart.CatchAll ? LocalPart.CatchAll : LocalPart.Parse(input.LocalPart).Value;
        var address = $"{localPart}@{context.Domain.Name}";
        if (context.SeenBefore(address, row.Line) is { } first) return Refuse(row, address, "alias", $"{address} is already on line {first} of this file.");
        var destinations = input.Destinations.Select(d => EmailAddress.Parse(d).Value).Distinct(StringComparer.Ordinal).ToList();
        if (destinations.Contains(address)) return Refuse(row, address, "destinations", "An alias cannot deliver to itself.");

        if (context.Aliases.TryGetValue(localPart, out var existing))
        {
            var current = existing.Destinations.Select(d => d.Address).Order(StringComparer.Ordinal);
            if (current.SequenceEqual(destinations.Order(StringComparer.Ordinal))) return new AliasLinePlan(Result(row, address, BulkAction.Unchanged, []));
            return new AliasLinePlan(Result(row, address, BulkAction.Change, [$"destinations {string.Join(" ", destinations)}"]), localPart, destinations);
        }
        if (context.IsTaken(localPart))
            return Refuse(row, address, "alias", localPart == LocalPart.CatchAll ? $"{context.Domain.Name} already has a catch-all." : $"{address} already exists.");
        return new AliasLinePlan(Result(row, address, BulkAction.Create, [$"destinations {string.Join(" ", destinations)}"]), localPart, destinations);
    }

    private static BulkLineResult Result(BulkCsvRow row, string address, BulkAction action, IReadOnlyList<string> changes) =>
        new(row.Line, address, action, changes, new Dictionary<string, string[]>());

    private static AliasLinePlan Refuse(BulkCsvRow row, string address, string column, string message)
    {
        var errors = new BulkLineErrors();
        errors.Add(column, message);
        return Refuse(row, address, errors);
    }

    private static AliasLinePlan Refuse(BulkCsvRow row, string address, BulkLineErrors errors) =>
        new(new BulkLineResult(row.Line, address, BulkAction.Refuse, [], errors.ToDictionary()));
}
