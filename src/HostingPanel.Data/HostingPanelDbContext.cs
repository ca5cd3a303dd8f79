using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Data;

/// <summary>
/// The panel's database. Abstract: each provider has its own sibling subclass in its migrations
/// assembly (see docs/platform-notes.md, "EF Core with two providers").
/// </summary>
public abstract class HostingPanelDbContext : IdentityDbContext<AppUser>
{
    private readonly ITenantScopeAccessor? _scopeAccessor;

    protected HostingPanelDbContext(DbContextOptions options, ITenantScopeAccessor? scope) : base(options)
    {
        // Read at each query, not here: in a web request the context can be created (by Identity's cookie
        // validation) before authentication has set the user, and must not keep that anonymous scope.
        _scopeAccessor = scope;
    }

    private TenantScope CurrentScope => _scopeAccessor?.Scope ?? TenantScope.Everything;

    public DbSet<Reseller> Resellers => Set<Reseller>();
    public DbSet<Customer> Customers => Set<Customer>();
    public DbSet<Domain> Domains => Set<Domain>();
    public DbSet<Mailbox> Mailboxes => Set<Mailbox>();
    public DbSet<MailboxUsage> MailboxUsages => Set<MailboxUsage>();
    public DbSet<Alias> Aliases => Set<Alias>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<OutboxRecord> Outbox => Set<OutboxRecord>();
    public DbSet<UsageSample> UsageSamples => Set<UsageSample>();
    /// <summary>No query filter: readers reach it only through a mailbox, customer or reseller they were allowed to see.</summary>
    public DbSet<UsageHistoryPoint> UsageHistory => Set<UsageHistoryPoint>();
    public DbSet<PortalSession> PortalSessions => Set<PortalSession>();
    public DbSet<PasswordResetLink> PasswordResetLinks => Set<PasswordResetLink>();

    // Read by the query filters on every query; EF parameterises them per context instance.
    private Guid? ScopeReseller => CurrentScope.ResellerId;
    private Guid? ScopeCustomer => CurrentScope.CustomerId;
    private Guid? ScopeMailbox => CurrentScope.MailboxId;

    public TenantScope Scope => CurrentScope;

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(HostingPanelDbContext).Assembly);

        builder.Entity<Reseller>().HasQueryFilter(r =>
            ScopeCustomer == null && (ScopeReseller == null || r.Id == ScopeReseller));
        builder.Entity<Customer>().HasQueryFilter(c =>
            (ScopeReseller == null || c.ResellerId == ScopeReseller) && (ScopeCustomer == null || c.Id == ScopeCustomer));
        builder.Entity<Domain>().HasQueryFilter(d =>
            (ScopeReseller == null || d.Customer!.ResellerId == ScopeReseller) && (ScopeCustomer == null || d.CustomerId == ScopeCustomer));
        builder.Entity<Mailbox>().HasQueryFilter(m =>
            (ScopeReseller == null || m.Domain!.Customer!.ResellerId == ScopeReseller)
            && (ScopeCustomer == null || m.Domain!.CustomerId == ScopeCustomer)
            && (ScopeMailbox == null || m.Id == ScopeMailbox));
        builder.Entity<Alias>().HasQueryFilter(a =>
            ScopeMailbox == null
            && (ScopeReseller == null || a.Domain!.Customer!.ResellerId == ScopeReseller)
            && (ScopeCustomer == null || a.Domain!.CustomerId == ScopeCustomer));
        builder.Entity<UsageSample>().HasQueryFilter(s => ScopeReseller == null && ScopeCustomer == null
            || Domains.Any(d => d.Id == s.DomainId));
        builder.Entity<AuditEntry>().HasQueryFilter(a =>
            (ScopeReseller == null || a.ResellerId == ScopeReseller) && (ScopeCustomer == null || a.CustomerId == ScopeCustomer));
    }
}
