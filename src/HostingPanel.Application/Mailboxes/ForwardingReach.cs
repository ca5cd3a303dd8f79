using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Mailboxes;

/// <summary>
/// Whether mail to a mailbox that forwards without keeping a copy would still land somewhere. The engine expands an
/// address through forwards, aliases and catch-alls visiting each address once (so loops end), and stores nothing in a
/// forward-only mailbox: a mailbox whose forwards all come back to it (directly, through an alias, or through another
/// forward-only mailbox) would make its own mail vanish into a refusal. This walks the panel's desired state the same
/// way, with the engine's limits, before such a setting is saved.
/// </summary>
/// <remarks>
/// The walk reads every tenant's routing rows (a forward may point into another customer's domain), but it answers only
/// yes or no about the caller's own mailbox: mail sent there would tell the same.
/// </remarks>
public sealed class ForwardingReach(HostingPanelDbContext db)
{
    /// <summary>The engine's expansion limits (MailDirectory): nesting depth and addresses visited.</summary>
    private const int MaxDepth = 10;
    private const int MaxAddresses = 1000;

    /// <summary>True when mail to <paramref name="own"/>, forwarded only to <paramref name="targets"/>, reaches no mailbox and no outside address.</summary>
    public async Task<bool> ReachesNobodyAsync(string own, IReadOnlyList<string> targets, CancellationToken ct)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal) { own };
        var queue = new Queue<(string Address, int Depth)>();
        foreach (var t in targets)
            if (visited.Add(t)) queue.Enqueue((t, 1));
        var hostedDomains = new Dictionary<string, bool>(StringComparer.Ordinal);
        while (queue.Count > 0)
        {
            var (address, depth) = queue.Dequeue();
            var at = address.LastIndexOf('@');
            var (local, domain) = (address[..at], address[(at + 1)..]);
            if (!hostedDomains.TryGetValue(domain, out var hosted))
                hostedDomains[domain] = hosted = await db.Domains.IgnoreQueryFilters().AnyAsync(d => d.Name == domain && d.Status != EntityStatus.Deleting, ct);
            // Relayed to the outside world: it reaches someone.
            if (!hosted) return false;

            List<string> next;
            var mailbox = await db.Mailboxes.IgnoreQueryFilters().Include(m => m.Forwards)
                .Where(m => m.LocalPart == local && m.Domain!.Name == domain && m.Status != EntityStatus.Deleting)
                .FirstOrDefaultAsync(ct);
            if (mailbox is not null)
            {
                if (!mailbox.Enabled) continue;
                next = mailbox.Forwards.Select(f => f.Address).ToList();
                if (next.Count == 0 || mailbox.KeepCopyWhenForwarding) return false;
            }
            else
            {
                next = await AliasDestinationsAsync(local, domain, ct);
                if (next.Count == 0 && visited.Add($"{LocalPart.CatchAll}@{domain}"))
                    next = await AliasDestinationsAsync(LocalPart.CatchAll, domain, ct);
            }
            if (depth >= MaxDepth) continue;
            foreach (var n in next)
                if (visited.Count < MaxAddresses && visited.Add(n)) queue.Enqueue((n, depth + 1));
        }
        return true;
    }

    private Task<List<string>> AliasDestinationsAsync(string local, string domain, CancellationToken ct) =>
        db.Aliases.IgnoreQueryFilters()
            .Where(a => a.LocalPart == local && a.Domain!.Name == domain)
            .SelectMany(a => a.Destinations.Select(d => d.Address))
            .ToListAsync(ct);
}
