using HostingPanel.Data;
using HostingPanel.Data.Identity;

namespace HostingPanel.Application.Common;

/// <summary>Who is acting: a portal user, an API key's user, or the system (worker, start-up).</summary>
public sealed record Actor(
    string? UserId,
    string Name,
    string Role,
    Guid? ResellerId = null,
    Guid? CustomerId = null,
    Guid? MailboxId = null,
    string? RemoteAddress = null)
{
    public static readonly Actor System = new(null, "system", Roles.Admin);

    public bool IsAdmin => Role == Roles.Admin;
    public bool IsSupport => Role == Roles.Support;
    /// <summary>Admins and support staff see every tenant.</summary>
    public bool IsStaff => IsAdmin || IsSupport;
    public bool IsReseller => Role == Roles.Reseller;
    public bool IsCustomer => Role == Roles.Customer;
    public bool IsMailboxUser => Role == Roles.MailboxUser;

    /// <summary>The rows this actor may see; the DbContext's query filters enforce it.</summary>
    public TenantScope Scope => Role switch
    {
        Roles.Admin or Roles.Support => TenantScope.Everything,
        Roles.Reseller when ResellerId is { } r => TenantScope.ForReseller(r),
        Roles.Customer when CustomerId is { } c => TenantScope.ForCustomer(c),
        Roles.MailboxUser when CustomerId is { } c && MailboxId is { } m => TenantScope.ForMailbox(c, m),
        _ => TenantScope.Nothing,
    };

    /// <summary>Rank used for the grant ceiling: nobody creates a user or key above its own rank.</summary>
    public static int Rank(string role) => role switch
    {
        Roles.Admin => 5,
        Roles.Support => 4,
        Roles.Reseller => 3,
        Roles.Customer => 2,
        Roles.MailboxUser => 1,
        _ => 0,
    };
}

/// <summary>The actor of the current request or job.</summary>
public interface IActorAccessor
{
    Actor Actor { get; }
}

public sealed class FixedActorAccessor(Actor actor) : IActorAccessor, ITenantScopeAccessor
{
    public Actor Actor { get; } = actor;
    public TenantScope Scope => Actor.Scope;
}

public static class ActorPermissions
{
    /// <summary>Tenants (resellers, customers, plans, pools): admins; resellers for their own customers.</summary>
    public static bool CanManageCustomers(this Actor a) => a.IsAdmin || a.IsReseller;
    public static bool CanManageResellers(this Actor a) => a.IsAdmin;
    /// <summary>Domains are allocated from plans, which support staff do not touch.</summary>
    public static bool CanManageDomains(this Actor a) => a.IsAdmin || a.IsReseller || a.IsCustomer;
    public static bool CanSeeDomains(this Actor a) => !a.IsMailboxUser && a.Scope != Data.TenantScope.Nothing;
    public static bool CanManageMailboxes(this Actor a) => a.IsAdmin || a.IsSupport || a.IsReseller || a.IsCustomer;
}

/// <summary>
/// Lets background work (the provisioning worker, start-up jobs) act as a given actor inside a DI scope.
/// Must be called before anything in the scope resolves the DbContext, which captures its tenant scope once.
/// </summary>
public interface IActorOverride
{
    void Use(Actor actor);
}
