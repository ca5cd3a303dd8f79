namespace HostingPanel.Data.Model;

/// <summary>A hosting customer: owns domains, and mailboxes and aliases in them, inside its plan.</summary>
public class Customer
{
    private Customer() { Name = ""; Plan = new PlanLimits(0, 0, 0); }

    public Customer(string name, Guid? resellerId, PlanLimits plan)
    {
        Name = name;
        ResellerId = resellerId;
        Plan = plan;
        Enabled = true;
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    /// <summary>Null for a customer of the hosting company itself.</summary>
    public Guid? ResellerId { get; private set; }
    public Reseller? Reseller { get; private set; }
    public string Name { get; private set; }
    public PlanLimits Plan { get; private set; }
    /// <summary>
    /// The quota a new mailbox is offered (0: none; the form then proposes an equal share of what is left;
    /// <see cref="UnlimitedMailboxQuota"/>: unlimited, meaning as much as is left in the plan and the domain's cap).
    /// </summary>
    public long DefaultMailboxQuotaMb { get; private set; }

    /// <summary>
    /// The plan's "unlimited" mailbox size. Quotas are allocated from the plan, which lies inside the reseller's pool, so
    /// unlimited is capped by what is left when the mailbox is created: it never oversells a plan or a pool.
    /// </summary>
    public const long UnlimitedMailboxQuota = -1;
    public bool Enabled { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    /// <summary>
    /// Set while the customer is deleted and in its grace period: everything it owns was deleted at this same moment (the
    /// domains and mailboxes carry the same <c>DeletedAt</c>), which is how a restore knows what to bring back.
    /// </summary>
    public DateTimeOffset? DeletedAt { get; private set; }
    public bool IsDeleted => DeletedAt is not null;
    /// <summary>Changes whenever something is allocated from the plan, so concurrent allocations conflict instead of overshooting.</summary>
    public Guid AllocationVersion { get; private set; } = Guid.NewGuid();

    public void Rename(string name) => Name = name;
    public void SetEnabled(bool enabled) => Enabled = enabled;
    public void MarkDeleted(DateTimeOffset at) => DeletedAt = at;
    /// <summary>Its domains and mailboxes come back with it and count against the plan again: a new allocation version.</summary>
    public void Restore()
    {
        DeletedAt = null;
        AllocationVersion = Guid.NewGuid();
    }

    /// <summary>Changes the plan; it may not shrink below what is already in use.</summary>
    public LimitViolation? ChangePlan(PlanLimits plan, PlanUsage used)
    {
        if (used.Domains > plan.MaxDomains) return new LimitViolation("domains", "new plan", plan.MaxDomains, used.Domains, 0, "");
        if (used.Mailboxes > plan.MaxMailboxes) return new LimitViolation("mailboxes", "new plan", plan.MaxMailboxes, used.Mailboxes, 0, "");
        if (used.QuotaMb > plan.DiskQuotaMb) return new LimitViolation("disk", "new plan", plan.DiskQuotaMb, used.QuotaMb, 0, "MB");
        Plan = plan;
        AllocationVersion = Guid.NewGuid();
        return null;
    }

    /// <summary>The default mailbox size must fit in the plan's disk (unlimited always does: it is what is left).</summary>
    public LimitViolation? SetDefaultMailboxQuota(long mb)
    {
        if (mb > Plan.DiskQuotaMb) return new LimitViolation("disk", "plan", Plan.DiskQuotaMb, 0, mb, "MB");
        DefaultMailboxQuotaMb = mb == UnlimitedMailboxQuota ? mb : Math.Max(0, mb);
        return null;
    }

    public LimitViolation? AllocateDomain(PlanUsage used) =>
        Touch(Allocation.Check("domains", "plan", Plan.MaxDomains, used.Domains, 1));

    /// <summary>A new mailbox takes one mailbox and its whole quota from the plan.</summary>
    public LimitViolation? AllocateMailbox(PlanUsage used, long quotaMb) =>
        Touch(Allocation.Check("mailboxes", "plan", Plan.MaxMailboxes, used.Mailboxes, 1)
              ?? Allocation.Check("disk", "plan", Plan.DiskQuotaMb, used.QuotaMb, quotaMb, "MB"));

    /// <summary>Changing a mailbox's quota from old to new: only growth needs room.</summary>
    public LimitViolation? ResizeMailbox(PlanUsage used, long oldQuotaMb, long newQuotaMb) =>
        Touch(Allocation.Check("disk", "plan", Plan.DiskQuotaMb, used.QuotaMb - oldQuotaMb, newQuotaMb, "MB"));

    private LimitViolation? Touch(LimitViolation? violation)
    {
        if (violation is null) AllocationVersion = Guid.NewGuid();
        return violation;
    }
}

/// <summary>What a customer uses of its plan: domains, mailboxes, and the sum of mailbox quotas.</summary>
public sealed record PlanUsage(int Domains, int Mailboxes, long QuotaMb);
