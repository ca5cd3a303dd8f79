using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Users;

/// <summary>
/// Whether a portal user or API key may still act: suspending a reseller, a customer or a mailbox stops the
/// people and scripts under it too, not just their mail. An admin or a higher tenant lifts it by enabling
/// the tenant again; nothing about the account itself changes.
/// </summary>
public sealed class AccountStanding(HostingPanelDbContext db)
{
    public const string SuspendedMessage = "This account is suspended. Contact your provider.";

    /// <summary>True when the user itself (a staff user) or its reseller, customer (or the customer's reseller) or mailbox is suspended or deleted.</summary>
    public async Task<bool> IsSuspendedAsync(AppUser user, CancellationToken ct = default) =>
        user.DeletedAt is not null || await IsSuspendedAsync(user.ResellerId, user.CustomerId, user.MailboxId, ct);

    public async Task<bool> IsSuspendedAsync(Guid? resellerId, Guid? customerId, Guid? mailboxId, CancellationToken ct = default)
    {
        // Tenancy filters are for what a user may see; standing is about the user itself, so they are bypassed.
        // A deleted tenant (in its grace period) stands like a suspended one: nobody under it acts until it is restored.
        if (resellerId is { } r
            && await db.Resellers.IgnoreQueryFilters().AnyAsync(x => x.Id == r && (!x.Enabled || x.DeletedAt != null), ct)) return true;
        if (customerId is { } c
            && await db.Customers.IgnoreQueryFilters()
                .AnyAsync(x => x.Id == c && (!x.Enabled || x.DeletedAt != null
                    || (x.Reseller != null && (!x.Reseller.Enabled || x.Reseller.DeletedAt != null))), ct)) return true;
        if (mailboxId is { } m
            && await db.Mailboxes.IgnoreQueryFilters()
                .AnyAsync(x => x.Id == m && (!x.Enabled || x.Status == EntityStatus.Deleting || x.Domain!.SuspendedAt != null), ct)) return true;
        return false;
    }
}
