using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Features.Account;

/// <summary>
/// Lockout for logins that match no user, with Identity's own threshold and duration: without it, the
/// sixth wrong password answers "too many attempts" for a real user and "not right" for an unknown
/// one, which tells an attacker which addresses exist. In memory: an unknown login has no row to count in.
/// </summary>
public sealed class UnknownLoginLockout(IOptions<IdentityOptions> identity, TimeProvider time)
{
    private const int MaxTracked = 100_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    public bool IsLockedOut(string login) =>
        _entries.TryGetValue(login, out var e) && e.LockedUntil > time.GetUtcNow();

    /// <summary>Counts a failure; true when this one locks the login out (as Identity's AccessFailedAsync).</summary>
    public bool RecordFailure(string login)
    {
        var now = time.GetUtcNow();
        var options = identity.Value.Lockout;
        if (_entries.Count > MaxTracked)
            foreach (var (key, value) in _entries)
                if (value.LockedUntil <= now && value.LastFailure < now - options.DefaultLockoutTimeSpan)
                    _entries.TryRemove(key, out _);
        var entry = _entries.AddOrUpdate(login,
            _ => new Entry(1, DateTimeOffset.MinValue, now),
            (_, e) => e with { Failures = e.Failures + 1, LastFailure = now });
        if (entry.Failures < options.MaxFailedAccessAttempts)
            return false;
        _entries[login] = new Entry(0, now + options.DefaultLockoutTimeSpan, now);
        return true;
    }

    private sealed record Entry(int Failures, DateTimeOffset LockedUntil, DateTimeOffset LastFailure);
}
