using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Users;

/// <summary>
/// Portal logins and hosted mail addresses never share an address: a portal login that is someone's mailbox or alias
/// would let one tenant sign in under (or receive the password resets of) another tenant's address, and a hosted
/// mailbox address always signs in as that mailbox. Checked when either side is created.
/// </summary>
public static class LoginAddresses
{
    public const string HostedAddressMessage = "{0} is a mail address hosted here (a mailbox or an alias). Choose another address for signing in.";
    public const string PortalLoginMessage = "{0} is the sign-in address of a portal account. Choose another address.";

    /// <summary>True when the address is a mailbox (also one in its grace period) or an alias of any tenant.</summary>
    public static async Task<bool> IsHostedAsync(HostingPanelDbContext db, string email, CancellationToken ct)
    {
        if (!EmailAddress.TryParse(email, out var address, out _)) return false;
        var localPart = address!.LocalPart.Value;
        var domain = address.Domain.Value;
        return await db.Mailboxes.IgnoreQueryFilters().AnyAsync(m => m.LocalPart == localPart && m.Domain!.Name == domain, ct)
            || await db.Aliases.IgnoreQueryFilters().AnyAsync(a => a.LocalPart == localPart && a.Domain!.Name == domain, ct);
    }

    /// <summary>True when a portal user other than a mailbox owner signs in with this address.</summary>
    public static Task<bool> IsPortalLoginAsync(HostingPanelDbContext db, string address, CancellationToken ct)
    {
        var normalized = address.Trim().ToUpperInvariant();
        return db.Users.IgnoreQueryFilters().AnyAsync(u => u.NormalizedEmail == normalized && u.MailboxId == null, ct);
    }
}
