using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// A counter that moves whenever something an authenticated API principal depends on changes in this process: a key
/// revoked, a user changed, a reseller, customer or mailbox enabled, disabled or deleted. Cached principals carry the
/// value they were built at and are dropped when it has moved, so a revocation or suspension takes effect on the
/// next request instead of after the cache's lifetime.
/// </summary>
public sealed class CredentialEpoch
{
    private long value;
    public long Current => Interlocked.Read(ref value);
    public void Advance() => Interlocked.Increment(ref value);
}

/// <summary>Advances <see cref="CredentialEpoch"/> when a save touches what API authentication reads.</summary>
public sealed class CredentialChangeInterceptor(CredentialEpoch epoch) : SaveChangesInterceptor
{
    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Inspect(eventData.Context);
        return base.SavingChangesAsync(eventData, result, cancellationToken);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Inspect(eventData.Context);
        return base.SavingChanges(eventData, result);
    }

    // Also advanced after the save, so a request that rebuilt its principal from the old rows meanwhile is not kept.
    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (pending.Value) { pending.Value = false; epoch.Advance(); }
        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (pending.Value) { pending.Value = false; epoch.Advance(); }
        return base.SavedChanges(eventData, result);
    }

    private readonly AsyncLocal<bool> pending = new();

    private void Inspect(DbContext? context)
    {
        if (context is null) return;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Modified or EntityState.Deleted)) continue;
            // Only the columns authentication reads: a mailbox create rewrites its customer's allocation version,
            // which must not empty the cache on every call.
            var relevant = entry.State == EntityState.Deleted
                ? entry.Entity is ApiKey or AppUser or Reseller or Customer or Mailbox
                : entry.Entity switch
                {
                    ApiKey => entry.Property(nameof(ApiKey.RevokedAt)).IsModified,
                    AppUser => true,
                    Reseller or Customer or Mailbox => entry.Property("Enabled").IsModified,
                    PortalSession => entry.Property(nameof(PortalSession.EndedAt)).IsModified,
                    _ => false,
                };
            if (!relevant) continue;
            epoch.Advance();
            pending.Value = true;
            return;
        }
    }
}
