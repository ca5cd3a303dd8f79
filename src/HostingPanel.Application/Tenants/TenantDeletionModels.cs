namespace HostingPanel.Application.Tenants;

/// <summary>What deleting a customer or reseller takes with it: shown before the portal's confirmation, and audited.</summary>
public sealed record DeletionSummary(
    Guid Id,
    string Name,
    int Customers,
    int Domains,
    int Mailboxes,
    int Aliases,
    int Logins,
    IReadOnlyList<string> DomainNames)
{
    /// <summary>"2 customers, 3 domains, 12 mailboxes, 4 aliases, 15 portal logins".</summary>
    public string Text =>
        string.Join(", ", new[]
        {
            Customers > 0 ? Count(Customers, "customer") : null,
            Count(Domains, "domain"), Count(Mailboxes, "mailbox", "mailboxes"), Count(Aliases, "alias", "aliases"),
            Count(Logins, "portal login"),
        }.Where(p => p is not null));

    private static string Count(int n, string one, string? many = null) => $"{n} {(n == 1 ? one : many ?? one + "s")}";
}

/// <summary>A customer or reseller in its grace period after deletion.</summary>
public sealed record DeletedTenantView(Guid Id, string Name, string? ResellerName, DateTimeOffset DeletedAt);
