namespace HostingPanel.Data;

/// <summary>
/// The part of the tenant tree a DbContext may see. EF Core global query filters read it, so a query
/// that forgets a tenancy check still cannot return another tenant's rows.
/// </summary>
public sealed record TenantScope(Guid? ResellerId, Guid? CustomerId, Guid? MailboxId)
{
    /// <summary>Admins, support staff and the worker see everything.</summary>
    public static readonly TenantScope Everything = new(null, null, null);

    /// <summary>Sees nothing: the default until a principal is known.</summary>
    public static readonly TenantScope Nothing = new(Guid.Empty, Guid.Empty, Guid.Empty);

    public static TenantScope ForReseller(Guid id) => new(id, null, null);
    public static TenantScope ForCustomer(Guid id) => new(null, id, null);
    public static TenantScope ForMailbox(Guid customerId, Guid mailboxId) => new(null, customerId, mailboxId);
}

/// <summary>Supplies the scope of the current request or job to the DbContext.</summary>
public interface ITenantScopeAccessor
{
    TenantScope Scope { get; }
}

/// <summary>A fixed scope, for the worker, start-up tasks and tests.</summary>
public sealed class FixedTenantScope(TenantScope scope) : ITenantScopeAccessor
{
    public TenantScope Scope { get; } = scope;
}
