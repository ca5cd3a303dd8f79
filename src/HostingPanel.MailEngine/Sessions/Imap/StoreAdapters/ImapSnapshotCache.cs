using System.Runtime.CompilerServices;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// The latest metadata list of each open folder, shared by every session that has the folder open at
/// that HIGHESTMODSEQ: a thousand sessions on one 2,000-message INBOX hold one list, not a thousand.
/// Lists are immutable once published (folders patch copy-on-write). Held weakly: a list lives as long
/// as some session uses it. One cache per <see cref="MailStore"/> (folder ids are per store).
/// </summary>
internal sealed class ImapSnapshotCache
{
    private static readonly ConditionalWeakTable<MailStore, ImapSnapshotCache> PerStore = new();
    private readonly Dictionary<long, (long ModSeq, WeakReference<List<ImapMessageMeta>> List)> _entries = [];
    private readonly Dictionary<(long FolderId, long ModSeq), TaskCompletionSource<List<ImapMessageMeta>>> _building = [];
    private int _sweepCountdown = SweepEvery;
    private const int SweepEvery = 1024;

    public static ImapSnapshotCache For(MailStore store) => PerStore.GetValue(store, _ => new ImapSnapshotCache());

    public bool TryGet(long folderId, long modSeq, out List<ImapMessageMeta> list)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(folderId, out var entry) && entry.ModSeq == modSeq && entry.List.TryGetTarget(out var found))
            {
                list = found;
                return true;
            }
        }

        list = null!;
        return false;
    }

    /// <summary>The newest shared list of the folder, whatever its MODSEQ: a base to patch instead of reading every row.</summary>
    public bool TryGetLatest(long folderId, out long modSeq, out List<ImapMessageMeta> list)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(folderId, out var entry) && entry.List.TryGetTarget(out var found))
            {
                modSeq = entry.ModSeq;
                list = found;
                return true;
            }
        }

        modSeq = 0;
        list = null!;
        return false;
    }

    /// <summary>
    /// The shared list at <paramref name="modSeq"/>, built by <paramref name="build"/> when there is none;
    /// sessions asking for the same folder and MODSEQ while it is being built wait for that one build
    /// (fifty sessions woken by one delivery make one patch query, not fifty).
    /// </summary>
    public Task<List<ImapMessageMeta>> GetOrBuildAsync(long folderId, long modSeq, Func<Task<List<ImapMessageMeta>>> build, CancellationToken cancellationToken)
    {
        TaskCompletionSource<List<ImapMessageMeta>> mine;
        lock (_entries)
        {
            if (_entries.TryGetValue(folderId, out var entry) && entry.ModSeq == modSeq && entry.List.TryGetTarget(out var found))
            {
                return Task.FromResult(found);
            }

            if (_building.TryGetValue((folderId, modSeq), out var running))
            {
                return running.Task.WaitAsync(cancellationToken);
            }

            mine = new TaskCompletionSource<List<ImapMessageMeta>>(TaskCreationOptions.RunContinuationsAsynchronously);
            _building[(folderId, modSeq)] = mine;
        }

        // Built outside the lock (the store may block on SQLite), by whoever came first.
        _ = BuildAsync(folderId, modSeq, build, mine);
        return mine.Task.WaitAsync(cancellationToken);
    }

    private async Task BuildAsync(long folderId, long modSeq, Func<Task<List<ImapMessageMeta>>> build, TaskCompletionSource<List<ImapMessageMeta>> result)
    {
        try
        {
            var list = await build();
            Set(folderId, modSeq, list);
            result.TrySetResult(list);
        }
        catch (Exception ex)
        {
            result.TrySetException(ex);
        }
        finally
        {
            lock (_entries)
            {
                _building.Remove((folderId, modSeq));
            }
        }
    }

    public void Set(long folderId, long modSeq, List<ImapMessageMeta> list)
    {
        lock (_entries)
        {
            if (_entries.TryGetValue(folderId, out var entry) && entry.ModSeq > modSeq && entry.List.TryGetTarget(out _))
            {
                return; // a newer list is already shared
            }

            _entries[folderId] = (modSeq, new WeakReference<List<ImapMessageMeta>>(list));
            if (--_sweepCountdown <= 0)
            {
                // Forget folders nobody has open any more, so the table does not grow with every folder ever opened.
                _sweepCountdown = SweepEvery;
                foreach (var (id, e) in _entries.ToList())
                {
                    if (!e.List.TryGetTarget(out _))
                    {
                        _entries.Remove(id);
                    }
                }
            }
        }
    }
}
