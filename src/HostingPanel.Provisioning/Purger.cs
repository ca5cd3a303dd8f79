using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>Ends the grace period of deleted mailboxes and domains: the engine purges the mail, the panel forgets the rows.</summary>
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
        return purged;
    }
}
