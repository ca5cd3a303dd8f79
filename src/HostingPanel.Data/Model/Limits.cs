namespace HostingPanel.Data.Model;

/// <summary>What a customer's plan allows: counts and disk in MiB.</summary>
public sealed record PlanLimits(int MaxDomains, int MaxMailboxes, long DiskQuotaMb);

/// <summary>What a reseller's pool holds, to be split into its customers' plans.</summary>
public sealed record PoolLimits(int MaxCustomers, int MaxDomains, int MaxMailboxes, long DiskQuotaMb);

/// <summary>A limit that a change would exceed, with numbers a person can act on.</summary>
public sealed record LimitViolation(string Limit, string Owner, long Allowed, long Used, long Requested, string Unit)
{
    public long Remaining => Math.Max(0, Allowed - Used);

    public string Message => Unit.Length == 0
        ? $"The {Owner} allows {Allowed} {Limit}; {Used} are in use, so {Remaining} left and {Requested} requested."
        : $"The {Owner} allows {Allowed} {Unit} of {Limit}; {Used} {Unit} are allocated, so {Remaining} {Unit} left and {Requested} {Unit} requested.";
}

/// <summary>The allocation arithmetic of plans and pools, in one place.</summary>
public static class Allocation
{
    /// <summary>Checks one dimension: used + requested must stay within allowed.</summary>
    public static LimitViolation? Check(string limit, string owner, long allowed, long used, long requested, string unit = "") =>
        requested > 0 && used + requested > allowed ? new LimitViolation(limit, owner, allowed, used, requested, unit) : null;
}
