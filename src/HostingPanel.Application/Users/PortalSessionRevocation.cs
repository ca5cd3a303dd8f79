using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Users;

/// <summary>
/// Ends portal (and so webmail) sessions by giving the user a new security stamp: every cookie carries the stamp it
/// was issued with, and the portal refuses one whose stamp is no longer the user's (see the web host's session check).
/// Called inside the change's own unit of work, so the new password and the ended sessions commit together.
/// </summary>
public static class PortalSessionRevocation
{
    /// <summary>A mailbox owner's portal login has no password of its own: its mailbox's password changed.</summary>
    public static async Task EndSessionsOfMailboxAsync(HostingPanelDbContext db, Guid mailboxId, CancellationToken ct)
    {
        var owners = await db.Users.IgnoreQueryFilters().Where(u => u.MailboxId == mailboxId).ToListAsync(ct);
        foreach (var owner in owners) owner.SecurityStamp = NewStamp();
    }

    /// <summary>The same format as Identity's own stamps (any new value ends the old cookies).</summary>
    public static string NewStamp() => Guid.NewGuid().ToString("N").ToUpperInvariant();
}
