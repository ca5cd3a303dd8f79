using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Search;

public sealed record AddressHit(string Kind, string Address, string Domain, string LocalPart, string CustomerName, EntityStatus Status);

/// <summary>
/// Finds mailboxes and aliases by (part of) their address. Support staff search across every tenant;
/// anyone else only inside its own tenants (the query filters decide).
/// </summary>
public sealed class AddressSearchService(HostingPanelDbContext db, IActorAccessor actorAccessor)
{
    public const string MailboxKind = "Mailbox";
    public const string AliasKind = "Alias";

    public async Task<Page<AddressHit>> SearchAsync(PageRequest page, CancellationToken ct = default)
    {
        var empty = new Page<AddressHit>([], 0, page.SafePage, page.SafePageSize);
        if (!actorAccessor.Actor.CanSeeDomains() || page.Term is not { } term) return empty;
        var mailboxes = db.Mailboxes
            .Where(m => m.Status != EntityStatus.Deleting && m.Domain!.Status != EntityStatus.Deleting)
            .Where(m => (m.LocalPart + "@" + m.Domain!.Name).Contains(term))
            .Select(m => new { Kind = MailboxKind, m.LocalPart, Domain = m.Domain!.Name, Customer = m.Domain.Customer!.Name, m.Status });
        var aliases = db.Aliases
            .Where(a => a.Domain!.Status != EntityStatus.Deleting)
            .Where(a => (a.LocalPart + "@" + a.Domain!.Name).Contains(term))
            .Select(a => new { Kind = AliasKind, a.LocalPart, Domain = a.Domain!.Name, Customer = a.Domain.Customer!.Name, a.Status });
        var mailboxTotal = await mailboxes.CountAsync(ct);
        var aliasTotal = await aliases.CountAsync(ct);

        // Mailboxes first, then aliases; each side is paged in the database.
        var skip = page.Skip;
        var take = page.SafePageSize;
        var rows = new List<AddressHit>(take);
        if (skip < mailboxTotal)
        {
            rows.AddRange((await mailboxes.OrderBy(m => m.Domain).ThenBy(m => m.LocalPart).Skip(skip).Take(take).ToListAsync(ct))
                .Select(m => new AddressHit(m.Kind, $"{m.LocalPart}@{m.Domain}", m.Domain, m.LocalPart, m.Customer, m.Status)));
        }
        var aliasSkip = Math.Max(0, skip - mailboxTotal);
        var aliasTake = take - rows.Count;
        if (aliasTake > 0 && aliasSkip < aliasTotal)
        {
            rows.AddRange((await aliases.OrderBy(a => a.Domain).ThenBy(a => a.LocalPart).Skip(aliasSkip).Take(aliasTake).ToListAsync(ct))
                .Select(a => new AddressHit(a.Kind, $"{a.LocalPart}@{a.Domain}", a.Domain, a.LocalPart, a.Customer, a.Status)));
        }
        return new Page<AddressHit>(rows, mailboxTotal + aliasTotal, page.SafePage, page.SafePageSize);
    }
}
