using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Users;

/// <param name="Login">The portal account's sign-in address.</param>
/// <param name="Kind"><c>mailbox</c>, <c>alias</c> or <c>catch-all</c>: what else holds the address.</param>
/// <param name="Domain">The hosted domain that holds it, and <paramref name="SameTenant"/> whether the portal account belongs to the domain's customer.</param>
public sealed record AddressCollision(string Login, string Kind, string Domain, bool SameTenant)
{
    /// <summary>What it means and what to do, for the admin's report.</summary>
    public string Explanation => Kind switch
    {
        "mailbox" => $"{Login} signs in to a portal account and is also a mailbox of {Domain}: a hosted mailbox address always signs in as the mailbox, so the account cannot sign in. Give the account another address.",
        "alias" => $"{Login} signs in to a portal account and is also an alias of {Domain}{(SameTenant ? "" : ", which another customer holds")}: mail to the account's address goes to the alias's destinations. Give the account another address.",
        _ => $"{Login} signs in to a portal account, and the catch-all of {Domain}{(SameTenant ? "" : ", which another customer holds,")} receives mail to it. Give the account another address.",
    };
}

/// <summary>
/// Issue 16.8: portal logins and hosted addresses are refused when either side is created (<see cref="LoginAddresses"/>),
/// but data made before that rule, or a catch-all added to a domain later, can still pair them. This finds every such
/// pair for the admin (the dashboard and the System page show it); nothing is changed by itself, since which side should
/// move is the operator's call.
/// </summary>
public sealed class AddressCollisionReport(HostingPanelDbContext db)
{
    public async Task<IReadOnlyList<AddressCollision>> FindAsync(CancellationToken ct)
    {
        // Portal accounts of people (mailbox owners' accounts are the mailbox's own, not a collision).
        var logins = (await db.Users.IgnoreQueryFilters().AsNoTracking()
                .Where(u => u.MailboxId == null && u.Email != null)
                .Select(u => new { Email = u.Email!, u.CustomerId, u.ResellerId })
                .ToListAsync(ct))
            .Select(u => (u.CustomerId, Parsed: EmailAddress.TryParse(u.Email, out var a, out _) ? a : null))
            .Where(u => u.Parsed is not null)
            .Select(u => (u.CustomerId, Local: u.Parsed!.LocalPart.Value, Domain: u.Parsed.Domain.Value))
            .ToList();
        if (logins.Count == 0) return [];
        var domainNames = logins.Select(l => l.Domain).Distinct().ToList();
        var domains = await db.Domains.IgnoreQueryFilters().AsNoTracking().Where(d => domainNames.Contains(d.Name))
            .Select(d => new { d.Id, d.Name, d.CustomerId }).ToListAsync(ct);
        if (domains.Count == 0) return [];
        var domainIds = domains.Select(d => d.Id).ToList();
        var localParts = logins.Select(l => l.Local).Append("*").Distinct().ToList();
        var mailboxes = await db.Mailboxes.IgnoreQueryFilters().AsNoTracking().Where(m => domainIds.Contains(m.DomainId) && localParts.Contains(m.LocalPart))
            .Select(m => new { m.DomainId, m.LocalPart }).ToListAsync(ct);
        var aliases = await db.Aliases.IgnoreQueryFilters().AsNoTracking().Where(a => domainIds.Contains(a.DomainId) && localParts.Contains(a.LocalPart))
            .Select(a => new { a.DomainId, a.LocalPart }).ToListAsync(ct);

        var found = new List<AddressCollision>();
        foreach (var login in logins)
        {
            var domain = domains.FirstOrDefault(d => d.Name == login.Domain);
            if (domain is null) continue;
            var address = login.Local + "@" + login.Domain;
            var sameTenant = login.CustomerId == domain.CustomerId;
            if (mailboxes.Any(m => m.DomainId == domain.Id && m.LocalPart == login.Local))
                found.Add(new AddressCollision(address, "mailbox", domain.Name, sameTenant));
            else if (aliases.Any(a => a.DomainId == domain.Id && a.LocalPart == login.Local))
                found.Add(new AddressCollision(address, "alias", domain.Name, sameTenant));
            else if (aliases.Any(a => a.DomainId == domain.Id && a.LocalPart == "*"))
                found.Add(new AddressCollision(address, "catch-all", domain.Name, sameTenant));
        }
        return found.OrderBy(c => c.Login, StringComparer.Ordinal).ToList();
    }
}
