using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace HostingPanel.Web.Features.Transfer;

/// <summary>
/// How far the portal's running downloads are, for their progress bars: the page names a download with a random token
/// (<c>?progress=</c>), the export counts the mailbox bytes it has sent, and the page asks <c>/export-progress/{token}</c>.
/// Kept per signed-in user, so a token shows nothing to anyone else, and in this node's memory only: it is a display,
/// nothing depends on it. Entries go ten minutes after their last change.
/// </summary>
public sealed partial class ExportProgress(TimeProvider clock)
{
    public sealed record Snapshot(long Bytes, long Total, bool Done);

    private sealed class Entry(long total, DateTimeOffset now)
    {
        public long Bytes;
        public long Total = total;
        public volatile bool Done;
        public DateTimeOffset Touched = now;
    }

    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<(string User, string Token), Entry> _entries = new();

    public static bool IsValidToken(string? token) => token is not null && TokenPattern().IsMatch(token);

    /// <summary>Starts counting; returns what the export reports its bytes to, or null for a missing or malformed token.</summary>
    public Action<long, bool>? Start(string user, string? token, long total)
    {
        if (!IsValidToken(token)) return null;
        Sweep();
        if (_entries.Count >= MaxEntries) return null;
        var entry = _entries[(user, token!)] = new Entry(total, clock.GetUtcNow());
        return (bytes, done) =>
        {
            Interlocked.Add(ref entry.Bytes, bytes);
            if (done) entry.Done = true;
            entry.Touched = clock.GetUtcNow();
        };
    }

    public Snapshot? Get(string user, string token) =>
        IsValidToken(token) && _entries.TryGetValue((user, token), out var e) ? new Snapshot(Interlocked.Read(ref e.Bytes), e.Total, e.Done) : null;

    private void Sweep()
    {
        var cutoff = clock.GetUtcNow() - Lifetime;
        foreach (var (key, entry) in _entries)
            if (entry.Touched < cutoff) _entries.TryRemove(key, out _);
    }

    [GeneratedRegex("^[A-Za-z0-9]{16,64}$")]
    private static partial Regex TokenPattern();
}
