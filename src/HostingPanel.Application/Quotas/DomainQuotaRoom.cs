namespace HostingPanel.Application.Quotas;

/// <summary>
/// How much disk a domain's next mailbox can have (issue 19 item 7), as the new-mailbox form and
/// <c>GET /api/v1/domains/{domain}/quota</c> show it. All figures in MiB.
/// </summary>
/// <param name="CapMb">The domain's own cap on its mailboxes' quotas (null: only the plan limits them).</param>
/// <param name="DomainAllocatedMb">The domain's mailboxes' quotas added up.</param>
/// <param name="PlanDiskMb">The customer's plan's disk.</param>
/// <param name="PlanAllocatedMb">All the customer's mailboxes' quotas added up.</param>
/// <param name="LeftMb">What the next mailbox can have at most: the plan's rest, and the cap's rest where there is a cap.</param>
/// <param name="MailboxesLeft">How many more mailboxes the plan allows.</param>
/// <param name="DefaultMailboxQuotaMb">The plan's default mailbox size (0: none; -1: unlimited).</param>
/// <param name="ProposedQuotaMb">
/// What the form proposes, and what a mailbox created without a quota gets: the plan's default when it fits (unlimited:
/// everything that is left), otherwise an equal share of what is left among the mailboxes the plan still allows
/// (rounded down to two significant digits); 0 when no mailbox fits.
/// </param>
public sealed record DomainQuotaRoom(
    string Domain,
    long? CapMb,
    long DomainAllocatedMb,
    long PlanDiskMb,
    long PlanAllocatedMb,
    long LeftMb,
    int MailboxesLeft,
    long DefaultMailboxQuotaMb,
    long ProposedQuotaMb)
{
    /// <summary>The plan's default mailbox size is unlimited: a new mailbox is offered all that is left.</summary>
    public bool UnlimitedDefault => DefaultMailboxQuotaMb == HostingPanel.Data.Model.Customer.UnlimitedMailboxQuota;

    public static DomainQuotaRoom Of(string domain, long? capMb, long domainAllocatedMb, long planDiskMb, long planAllocatedMb,
        int mailboxesLeft, long defaultMb)
    {
        var left = Math.Max(0, planDiskMb - planAllocatedMb);
        if (capMb is { } cap) left = Math.Min(left, Math.Max(0, cap - domainAllocatedMb));
        return new DomainQuotaRoom(domain, capMb, domainAllocatedMb, planDiskMb, planAllocatedMb, left, Math.Max(0, mailboxesLeft),
            defaultMb, Propose(left, mailboxesLeft, defaultMb));
    }

    /// <summary>The plan's default if it fits; else the rest shared equally by the mailboxes still allowed, rounded down.</summary>
    public static long Propose(long leftMb, int mailboxesLeft, long defaultMb)
    {
        if (leftMb <= 0 || mailboxesLeft <= 0) return 0;
        // Unlimited is capped by what is left (never past the plan, the domain's cap or the reseller's pool).
        if (defaultMb == HostingPanel.Data.Model.Customer.UnlimitedMailboxQuota) return leftMb;
        if (defaultMb > 0) return Math.Min(defaultMb, leftMb);
        var share = leftMb / mailboxesLeft;
        return share < 1 ? 1 : RoundDown(share);
    }

    /// <summary>Down to two significant digits (a person types 480 MB, not 487 MB; 1,200 MB, not 1,234 MB).</summary>
    private static long RoundDown(long mb)
    {
        var step = 1L;
        while (step * 100 <= mb) step *= 10;
        return mb / step * step;
    }
}
