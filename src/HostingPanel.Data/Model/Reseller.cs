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
    /// <summary>No overselling: plans add up to at most the pool.</summary>
    public const int NoOverselling = 100;
    /// <summary>The most an admin may allow: plans add up to ten times the pool.</summary>
    public const int MaxOversellPercent = 1000;

    /// <summary>
    /// How far the reseller's plans may add up past its pool, in percent of the pool (100: not at all; 150: half as much
    /// again), for every limit of the pool. Only an admin sets it.
    /// </summary>
    public int OversellPercent { get; private set; } = NoOverselling;
    public bool AllowOverselling => OversellPercent > NoOverselling;
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

    /// <summary>The language of the reseller's tree (its own login, its customers, their mailbox owners) where a user chose none.</summary>
    public string? DefaultLanguage { get; private set; }
    /// <summary>The time zone of the reseller's tree where a user chose none.</summary>
    public string? DefaultTimeZone { get; private set; }

    public void Rename(string name) => Name = name;
    /// <summary>Null clears a default; the values are checked against the supported lists by the caller's validator.</summary>
    public void SetDefaults(string? language, string? timeZone) { DefaultLanguage = language; DefaultTimeZone = timeZone; }
    /// <summary>Sets the ratio; it may not fall below what the plans already add up to (see <see cref="ResizePool"/>).</summary>
    public LimitViolation? SetOverselling(int percent, PoolLimits allocated)
    {
        var before = OversellPercent;
        OversellPercent = Math.Clamp(percent, NoOverselling, MaxOversellPercent);
        if (ShrinkChecks(Pool, allocated) is { } violation)
        {
            OversellPercent = before;
            return violation;
        }
        AllocationVersion = Guid.NewGuid();
        return null;
    }

    /// <summary>What the plans may add up to for one limit of the pool: the pool times the overselling ratio.</summary>
    public long Sellable(long pool) => pool * OversellPercent / 100;
    public void SetEnabled(bool enabled) => Enabled = enabled;
    public void MarkDeleted(DateTimeOffset at) => DeletedAt = at;
    public void Restore() => DeletedAt = null;

    /// <summary>Changes the pool; it may not shrink below what the plans already hold (times the overselling ratio).</summary>
    public LimitViolation? ResizePool(PoolLimits pool, PoolLimits allocated)
    {
        if (ShrinkChecks(pool, allocated) is { } violation) return violation;
        Pool = pool;
        AllocationVersion = Guid.NewGuid();
        return null;
    }

    private LimitViolation? ShrinkChecks(PoolLimits pool, PoolLimits allocated) =>
        ShrinkCheck("customers", Sellable(pool.MaxCustomers), allocated.MaxCustomers, "")
        ?? ShrinkCheck("domains", Sellable(pool.MaxDomains), allocated.MaxDomains, "")
        ?? ShrinkCheck("mailboxes", Sellable(pool.MaxMailboxes), allocated.MaxMailboxes, "")
        ?? ShrinkCheck("disk", Sellable(pool.DiskQuotaMb), allocated.DiskQuotaMb, "MB");

    private LimitViolation? ShrinkCheck(string limit, long allowed, long allocated, string unit) =>
        allocated > allowed ? new LimitViolation(limit, Owner("new pool"), allowed, allocated, 0, unit) : null;

    /// <summary>"reseller's pool", or "reseller's pool at 150 %" when overselling, so that a refusal explains its number.</summary>
    private string Owner(string pool) => AllowOverselling ? $"{pool} at {OversellPercent} %" : pool;

    /// <summary>
    /// Checks that a plan changing from <paramref name="before"/> to <paramref name="after"/> (before null
    /// for a new customer) fits in the pool next to what the other plans hold.
    /// </summary>
    public LimitViolation? CheckPlan(PoolLimits allocated, PlanLimits? before, PlanLimits after)
    {
        var owner = Owner("reseller's pool");
        var violation =
            Allocation.Check("customers", owner, Sellable(Pool.MaxCustomers), allocated.MaxCustomers, before is null ? 1 : 0)
            ?? Allocation.Check("domains", owner, Sellable(Pool.MaxDomains), allocated.MaxDomains - (before?.MaxDomains ?? 0), after.MaxDomains)
            ?? Allocation.Check("mailboxes", owner, Sellable(Pool.MaxMailboxes), allocated.MaxMailboxes - (before?.MaxMailboxes ?? 0), after.MaxMailboxes)
            ?? Allocation.Check("disk", owner, Sellable(Pool.DiskQuotaMb), allocated.DiskQuotaMb - (before?.DiskQuotaMb ?? 0), after.DiskQuotaMb, "MB");
        if (violation is null) AllocationVersion = Guid.NewGuid();
        return violation;
    }
}
