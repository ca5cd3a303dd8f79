using HostingPanel.Data.Model;

namespace HostingPanel.Application.Mailboxes;

/// <summary>
/// A customer's plan usage as this scope's last mailbox creation left it, valid while the customer's
/// <see cref="Customer.AllocationVersion"/> is still the one that creation wrote: every allocation from the plan
/// (a mailbox, a domain, a larger quota, a restore) writes a new version, so an unchanged version means nothing was
/// added since. A release (a deletion) does not change the version and leaves the figure too high, never too low, so a
/// refusal is checked again against the counted usage. A bulk import creates thousands of mailboxes in one scope:
/// counting the customer's mailboxes for each line was linear in their number, and the import slowed as its domains
/// grew (issue 27 item 5).
/// </summary>
internal sealed class KnownPlanUsage
{
    private (Guid CustomerId, Guid Version, PlanUsage Usage)? _known;

    /// <summary>Whether a figure is kept for this customer (then read its current version, never a tracked entity's).</summary>
    public bool Has(Guid customerId) => _known?.CustomerId == customerId;

    /// <summary>The usage known for this customer at <paramref name="currentVersion"/> (read from the database), or null (count it).</summary>
    public PlanUsage? For(Guid customerId, Guid currentVersion) =>
        _known is { } k && k.CustomerId == customerId && k.Version == currentVersion ? k.Usage : null;

    /// <summary>After a committed allocation: <paramref name="usage"/> is the plan's usage at the version just written.</summary>
    public void Remember(Customer customer, PlanUsage usage) => _known = (customer.Id, customer.AllocationVersion, usage);

    public void Forget() => _known = null;
}
