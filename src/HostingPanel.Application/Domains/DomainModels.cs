using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Domains;

public sealed class CreateDomainInput
{
    public string? Name { get; set; }
    /// <summary>A customer creates domains for itself: its own id or none; another customer's id is "not found".</summary>
    public Guid? CustomerId { get; set; }
}

/// <summary>
/// The name rules every form and endpoint shares: a valid name, not reserved by the operator and not one of this
/// server's own names. Whether another tenant holds it (or a parent or subdomain of it) needs the database and the
/// owner, and is checked by <see cref="DomainService.CreateAsync"/> with the messages of <see cref="DomainOwnershipMessages"/>.
/// </summary>
public sealed class CreateDomainValidator : AbstractValidator<CreateDomainInput>
{
    public CreateDomainValidator(DomainNamePolicy policy)
    {
        RuleFor(x => x.Name).DomainName().DependentRules(() =>
            RuleFor(x => x.Name).Custom((value, ctx) =>
            {
                if (Data.Model.DomainName.TryParse(value, out var name, out _) && policy.Refusal(name!) is { } refusal) ctx.AddFailure(refusal);
            }));
    }
}

/// <summary>What the panel says when a name, or a name above or below it, belongs to someone else.</summary>
public static class DomainOwnershipMessages
{
    public static string Taken(string name) => $"The domain {name} is already hosted here.";

    public static string UnderAnother(string name, string other) =>
        $"{name} is a subdomain of {other}, which another customer holds here; only the holder of {other} can add names under it.";

    public static string AboveAnother(string name, string other) =>
        $"{name} is a parent of {other}, which another customer holds here; a domain whose subdomain belongs to someone else cannot be added.";
}

public sealed record DomainView(
    string Name,
    string DisplayName,
    Guid CustomerId,
    string CustomerName,
    EntityStatus Status,
    string? StatusDetail,
    int MailboxCount,
    int AliasCount,
    long QuotaMb,
    long UsedBytes,
    long MessageCount,
    DateTimeOffset CreatedAt,
    bool Verified,
    DnsRecordSpec VerificationRecord,
    DateTimeOffset? VerifiedAt)
{
    /// <summary>When the provider suspended it; null: in service.</summary>
    public DateTimeOffset? SuspendedAt { get; init; }
    public bool Enabled => SuspendedAt is null;
}

/// <summary>What may change on a domain itself: <c>enabled</c> false suspends it, true brings it back into service.</summary>
public sealed class UpdateDomainInput
{
    public bool? Enabled { get; set; }
}

/// <summary>A domain in its grace period after deletion, as the restore list shows it.</summary>
public sealed record DeletedDomainView(string Name, string DisplayName, string CustomerName, DateTimeOffset DeletedAt);
