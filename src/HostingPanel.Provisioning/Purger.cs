using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>Ends the grace period of deleted mailboxes, domains, customers, resellers and staff users: the engine purges the mail, the panel forgets the rows.</summary>
public sealed class Purger(IServiceScopeFactory scopes, IOptions<ProvisioningOptions> options, TimeProvider time)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var engine = scope.ServiceProvider.GetRequiredService<IMailEngineAdmin>();
        var now = time.GetUtcNow();
        var cutoff = now - TimeSpan.FromDays(options.Value.DeleteGraceDays);

        var purged = await engine.PurgeExpiredAsync(now, ct);

        // Rows whose grace period ended; their addresses become free again.
        var mailboxes = await db.Mailboxes.Include(m => m.Domain).Where(m => m.Status == EntityStatus.Deleting).ToListAsync(ct);
        foreach (var m in mailboxes.Where(m => m.DeletedAt is { } at && at <= cutoff))
        {
            await engine.PurgeMailboxAsync(m.AddressIn(m.Domain!.Name), ct);
            db.Mailboxes.Remove(m);
            db.AuditEntries.Add(new AuditEntry("system", "mailbox.purge", "Mailbox", m.AddressIn(m.Domain.Name), null, null) { CustomerId = m.Domain.CustomerId });
        }
        await db.SaveChangesAsync(ct);

        var domains = await db.Domains.Where(d => d.Status == EntityStatus.Deleting).ToListAsync(ct);
        foreach (var d in domains.Where(d => d.DeletedAt is { } at && at <= cutoff))
        {
            if (await db.Mailboxes.AnyAsync(m => m.DomainId == d.Id, ct)) continue;
            db.Domains.Remove(d);
            db.AuditEntries.Add(new AuditEntry("system", "domain.purge", "Domain", d.Name, null, null) { CustomerId = d.CustomerId });
        }
        await db.SaveChangesAsync(ct);

        // Deleted customers, then resellers, once nothing of theirs is left: the rows and their portal logins (with keys
        // and sessions) go, so their e-mail addresses are free again.
        var customers = await db.Customers.Where(c => c.DeletedAt != null).ToListAsync(ct);
        foreach (var c in customers.Where(c => c.DeletedAt <= cutoff))
        {
            if (await db.Domains.AnyAsync(d => d.CustomerId == c.Id, ct)) continue;
            await RemoveLoginsAsync(db, db.Users.Where(u => u.CustomerId == c.Id), ct);
            db.Customers.Remove(c);
            db.AuditEntries.Add(new AuditEntry("system", "customer.purge", "Customer", c.Name, null, null) { CustomerId = c.Id, ResellerId = c.ResellerId });
        }
        await db.SaveChangesAsync(ct);

        var resellers = await db.Resellers.Where(r => r.DeletedAt != null).ToListAsync(ct);
        foreach (var r in resellers.Where(r => r.DeletedAt <= cutoff))
        {
            if (await db.Customers.AnyAsync(c => c.ResellerId == r.Id, ct)) continue;
            await RemoveLoginsAsync(db, db.Users.Where(u => u.ResellerId == r.Id), ct);
            db.Resellers.Remove(r);
            db.AuditEntries.Add(new AuditEntry("system", "reseller.purge", "Reseller", r.Name, null, null) { ResellerId = r.Id });
        }
        await db.SaveChangesAsync(ct);

        // Deleted staff users (they own nothing but their keys and sessions).
        var staff = db.Users.Where(u => u.DeletedAt != null && u.ResellerId == null && u.CustomerId == null && u.MailboxId == null);
        var expiredStaff = (await staff.ToListAsync(ct)).Where(u => u.DeletedAt <= cutoff).Select(u => u.Id).ToList();
        if (expiredStaff.Count > 0)
        {
            foreach (var email in await db.Users.Where(u => expiredStaff.Contains(u.Id)).Select(u => u.Email).ToListAsync(ct))
                db.AuditEntries.Add(new AuditEntry("system", "user.purge", "User", email ?? "", null, null));
            await RemoveLoginsAsync(db, db.Users.Where(u => expiredStaff.Contains(u.Id)), ct);
            await db.SaveChangesAsync(ct);
        }
        return purged;
    }

    private static async Task RemoveLoginsAsync(HostingPanelDbContext db, IQueryable<Data.Identity.AppUser> users, CancellationToken ct)
    {
        var list = await users.ToListAsync(ct);
        var ids = list.Select(u => u.Id).ToList();
        db.ApiKeys.RemoveRange(await db.ApiKeys.Where(k => ids.Contains(k.UserId)).ToListAsync(ct));
        db.PortalSessions.RemoveRange(await db.PortalSessions.Where(s => ids.Contains(s.UserId)).ToListAsync(ct));
        db.PasswordResetLinks.RemoveRange(await db.PasswordResetLinks.Where(l => ids.Contains(l.UserId)).ToListAsync(ct));
        db.Users.RemoveRange(list);
    }
}
