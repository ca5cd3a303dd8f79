using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Domains;

public sealed class CreateDomainInput
{
    public string? Name { get; set; }
    /// <summary>Ignored for a customer's own key or login: a customer creates domains for itself.</summary>
    public Guid? CustomerId { get; set; }
}

public sealed class CreateDomainValidator : AbstractValidator<CreateDomainInput>
{
    public CreateDomainValidator()
    {
        RuleFor(x => x.Name).DomainName();
    }
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
    DateTimeOffset CreatedAt);
