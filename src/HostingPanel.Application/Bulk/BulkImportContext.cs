using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Bulk;

/// <summary>
/// What a planned import knows about the domain, read once: its mailboxes and aliases (untracked) and the plan's
/// usage, which every planned creation or quota change takes from as the real run would, line after line.
/// </summary>
internal sealed class BulkImportContext
{
    private readonly HashSet<string> _taken;
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);

    private BulkImportContext(Domain domain, Customer customer, PlanUsage usage, Dictionary<string, Mailbox> mailboxes,
        Dictionary<string, Alias> aliases, HashSet<string> taken)
    {
        Domain = domain;
        Customer = customer;
        Usage = usage;
        Mailboxes = mailboxes;
        Aliases = aliases;
        _taken = taken;
    }

    public Domain Domain { get; }
    /// <summary>An untracked copy: allocation checks on it change nothing that is saved.</summary>
    public Customer Customer { get; }
    public PlanUsage Usage { get; set; }
    /// <summary>Live mailboxes by local part.</summary>
    public Dictionary<string, Mailbox> Mailboxes { get; }
    public Dictionary<string, Alias> Aliases { get; }

    /// <summary>A local part held by a deleted mailbox in its grace period, or by the other kind (mailbox vs alias).</summary>
    public bool IsTaken(string localPart) => _taken.Contains(localPart);

    /// <summary>The first line that named this address, or null (and remembers this line).</summary>
    public int? SeenBefore(string address, int line)
    {
        if (_seen.TryGetValue(address, out var first)) return first;
        _seen[address] = line;
        return null;
    }

    public static async Task<BulkImportContext> LoadAsync(HostingPanelDbContext db, Domain domain, CancellationToken ct)
    {
        var customer = await db.Customers.IgnoreQueryFilters().AsNoTracking().FirstAsync(c => c.Id == domain.CustomerId, ct);
        var usage = await UsageQueries.PlanUsageAsync(db, customer.Id, ct);
        // The domain was found through the tenancy filters, so everything in it is in scope.
        var all = await db.Mailboxes.IgnoreQueryFilters().AsNoTracking().Where(m => m.DomainId == domain.Id)
            .Include(m => m.Forwards).ToListAsync(ct);
        var aliases = await db.Aliases.IgnoreQueryFilters().AsNoTracking().Where(a => a.DomainId == domain.Id)
            .Include(a => a.Destinations).ToListAsync(ct);
        var taken = all.Select(m => m.LocalPart).Concat(aliases.Select(a => a.LocalPart)).ToHashSet(StringComparer.Ordinal);
        return new BulkImportContext(domain, customer, usage,
            all.Where(m => m.Status != EntityStatus.Deleting).ToDictionary(m => m.LocalPart, StringComparer.Ordinal),
            aliases.ToDictionary(a => a.LocalPart, StringComparer.Ordinal), taken);
    }
}
