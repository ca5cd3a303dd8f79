using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Users;

public sealed record PortalSessionView(string Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string? RemoteAddress, string? UserAgent, bool IsCurrent);

/// <summary>
/// The signed-in browsers of each portal user (one row per sign-in; the cookie carries its id in
/// <see cref="SessionClaim"/>), so a user sees where it is signed in and signs the others out.
/// </summary>
public sealed class PortalSessionRegistry(HostingPanelDbContext db, TimeProvider clock)
{
    public const string SessionClaim = "hp:sid";

    // Writing the last-seen time on every request would turn page views into writes.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(5);
    // Past the cookie's own lifetime a session cannot come back: its row is only history.
    private static readonly TimeSpan KeepFor = TimeSpan.FromDays(14);

    public async Task<string> OpenAsync(string userId, string? remoteAddress, string? userAgent, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var old = now - KeepFor;
        await db.PortalSessions.Where(s => s.UserId == userId && (s.EndedAt != null || s.LastSeenAt < old)).ExecuteDeleteAsync(ct);
        var id = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        db.PortalSessions.Add(new PortalSession(id, userId, now, remoteAddress, userAgent));
        await db.SaveChangesAsync(ct);
        return id;
    }

    public async Task<bool> IsOpenAsync(string userId, string sessionId, CancellationToken ct = default)
    {
        var session = await db.PortalSessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId, ct);
        if (session is not { IsOpen: true }) return false;
        var now = clock.GetUtcNow();
        if (now - session.LastSeenAt > TouchInterval)
        {
            session.Touch(now);
            await db.SaveChangesAsync(ct);
        }
        return true;
    }

    public async Task<IReadOnlyList<PortalSessionView>> ListAsync(string userId, string? currentId, CancellationToken ct = default)
    {
        var rows = await db.PortalSessions.AsNoTracking().Where(s => s.UserId == userId && s.EndedAt == null).ToListAsync(ct);
        return rows.OrderByDescending(s => s.Id == currentId).ThenByDescending(s => s.LastSeenAt)
            .Select(s => new PortalSessionView(s.Id, s.CreatedAt, s.LastSeenAt, s.RemoteAddress, s.UserAgent, s.Id == currentId)).ToList();
    }

    /// <summary>Signs one session of the user out; false when it is not one of the user's open sessions.</summary>
    public async Task<bool> EndAsync(string userId, string sessionId, CancellationToken ct = default)
    {
        var session = await db.PortalSessions.FirstOrDefaultAsync(s => s.Id == sessionId && s.UserId == userId && s.EndedAt == null, ct);
        if (session is null) return false;
        session.End(clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Signs out every session of the user but <paramref name="keepId"/>; returns how many.</summary>
    public async Task<int> EndOthersAsync(string userId, string? keepId, CancellationToken ct = default)
    {
        var others = await db.PortalSessions.Where(s => s.UserId == userId && s.EndedAt == null && s.Id != keepId).ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var s in others) s.End(now);
        await db.SaveChangesAsync(ct);
        return others.Count;
    }
}
