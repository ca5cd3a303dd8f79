namespace HostingPanel.Data.Model;

/// <summary>A company that buys a pool from the hosting company and splits it into plans for its customers.</summary>
public class Reseller
{
    private Reseller() { Name = ""; Pool = new PoolLimits(0, 0, 0, 0); }

    public Reseller(string name, PoolLimits pool)
    {
        Name = name;
        Pool = pool;
        Enabled = true;
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public string Name { get; private set; }
    public PoolLimits Pool { get; private set; }
    /// <summary>Only an admin may switch it on: plans may then add up to more than the pool.</summary>
    public bool AllowOverselling { get; private set; }
    public bool Enabled { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    /// <summary>
    /// Set while the reseller is deleted and in its grace period: everything it owns was deleted at this same moment (the
    /// domains and mailboxes carry the same <c>DeletedAt</c>), which is how a restore knows what to bring back.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; private set; }
    public bool IsDeleted => DeletedAt is not null;
    /// <summary>Changes whenever a plan is carved out of the pool, so that concurrent allocations conflict instead of overshooting.</summary>
    public Guid AllocationVersion { get; private set; } = Guid.NewGuid();

    public void Rename(string name) => Name = name;
    public void SetOverselling(bool allowed) => AllowOverselling = allowed;
    public void SetEnabled(bool enabled) => Enabled = enabled;
    public void MarkDeleted(DateTimeOffset at) => DeletedAt = at;
    public void Restore() => DeletedAt = null;

    /// <summary>Changes the pool; it may not shrink below what the plans already hold (unless overselling).</summary>
    public LimitViolation? ResizePool(PoolLimits pool, PoolLimits allocated)
    {
        if (!AllowOverselling)
        {
            var v = ShrinkCheck("customers", pool.MaxCustomers, allocated.MaxCustomers, "")
                ?? ShrinkCheck("domains", pool.MaxDomains, allocated.MaxDomains, "")
                ?? ShrinkCheck("mailboxes", pool.MaxMailboxes, allocated.MaxMailboxes, "")
                ?? ShrinkCheck("disk", pool.DiskQuotaMb, allocated.DiskQuotaMb, "MB");
            if (v is not null) return v;
        }
        Pool = pool;
        AllocationVersion = Guid.NewGuid();
        return null;
    }

    private static LimitViolation? ShrinkCheck(string limit, long allowed, long allocated, string unit) =>
        allocated > allowed ? new LimitViolation(limit, "new pool", allowed, allocated, 0, unit) : null;

    /// <summary>
    /// Checks that a plan changing from <paramref name="before"/> to <paramref name="after"/> (before null
    /// for a new customer) fits in the pool next to what the other plans hold.
    /// </summary>
    public LimitViolation? CheckPlan(PoolLimits allocated, PlanLimits? before, PlanLimits after)
    {
        var violation = AllowOverselling ? null :
            Allocation.Check("customers", "reseller's pool", Pool.MaxCustomers, allocated.MaxCustomers, before is null ? 1 : 0)
            ?? Allocation.Check("domains", "reseller's pool", Pool.MaxDomains, allocated.MaxDomains - (before?.MaxDomains ?? 0), after.MaxDomains)
            ?? Allocation.Check("mailboxes", "reseller's pool", Pool.MaxMailboxes, allocated.MaxMailboxes - (before?.MaxMailboxes ?? 0), after.MaxMailboxes)
            ?? Allocation.Check("disk", "reseller's pool", Pool.DiskQuotaMb, allocated.DiskQuotaMb - (before?.DiskQuotaMb ?? 0), after.DiskQuotaMb, "MB");
        if (violation is null) AllocationVersion = Guid.NewGuid();
        return violation;
    }
}
