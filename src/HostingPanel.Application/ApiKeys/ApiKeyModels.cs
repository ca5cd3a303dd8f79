using FluentValidation;
using HostingPanel.Application.Common;

namespace HostingPanel.Application.ApiKeys;

public sealed class CreateApiKeyInput
{
    public string? Name { get; set; }
    /// <summary>Null: a key of the caller. Otherwise a user inside the caller's scope (admin: anyone; reseller: its customers).</summary>
    public string? UserEmail { get; set; }
}

public sealed class CreateApiKeyValidator : AbstractValidator<CreateApiKeyInput>
{
    public CreateApiKeyValidator()
    {
        RuleFor(x => x.Name).PersonName("key name");
        When(x => x.UserEmail is not null, () => RuleFor(x => x.UserEmail).Address());
    }
}

public sealed record ApiKeyView(Guid Id, string Name, string Prefix, string UserEmail, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

/// <summary>Returned once, at creation: the only time the key is shown.</summary>
public sealed record CreatedApiKey(Guid Id, string Name, string Key);
