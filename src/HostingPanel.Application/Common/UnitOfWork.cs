using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Common;

/// <summary>Commits a use case's changes and wakes the worker; turns races into clear failures.</summary>
public sealed class UnitOfWork(HostingPanelDbContext db, IOutboxSignal signal)
{
    /// <summary>
    /// Saves. A concurrent allocation on the same plan or pool (concurrency token) or a duplicate that slipped
    /// past the explicit check (unique index) becomes a 409 rather than an overshoot or a 500.
    /// </summary>
    public async Task<Failure?> CommitAsync(string conflictField, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return Failure.Conflict(conflictField, "Another change to the same plan was saved at the same moment. Try again.");
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return Failure.Conflict(conflictField, "This already exists.");
        }
        signal.Notify();
        return null;
    }
}
