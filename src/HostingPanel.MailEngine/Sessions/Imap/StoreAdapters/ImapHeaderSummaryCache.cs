using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HostingPanel.MailEngine.Protocol.Imap.Search;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// The header summaries of the messages of recently searched folders, by folder id and UID: header
/// SEARCH, SORT and THREAD then run in memory, with no query and no header read (the role of Dovecot's
/// index and cache files). Sound forever: a message's header never changes, a UID is never reused in a
/// folder, and folder ids are never reused (AUTOINCREMENT on SQLite, identity on PostgreSQL).
/// Bounded by <see cref="BudgetBytes"/> of estimated memory; past it, the least recently used folders
/// are dropped whole until a quarter of the budget is free. One cache per <see cref="MailStore"/>.
/// </summary>
internal sealed class ImapHeaderSummaryCache
{
    public const long BudgetBytes = 64L * 1024 * 1024;
    private static readonly ConditionalWeakTable<MailStore, ImapHeaderSummaryCache> PerStore = new();
    private readonly ConcurrentDictionary<long, FolderSummaries> _folders = new();
    private long _bytes;

    public static ImapHeaderSummaryCache For(MailStore store) => PerStore.GetValue(store, _ => new ImapHeaderSummaryCache());

    public FolderSummaries Folder(long folderId)
    {
        var folder = _folders.GetOrAdd(folderId, static (_, cache) => new FolderSummaries(cache), this);
        folder.Touch();
        return folder;
    }

    private void Charge(FolderSummaries from, long bytes)
    {
        if (Interlocked.Add(ref _bytes, bytes) > BudgetBytes)
        {
            Trim(keep: from);
        }
    }

    private void Trim(FolderSummaries keep)
    {
        lock (_folders)
        {
            foreach (var (id, folder) in _folders.OrderBy(f => f.Value.LastUsed).ToList())
            {
                if (Interlocked.Read(ref _bytes) <= BudgetBytes * 3 / 4)
                {
                    return;
                }

                if (!ReferenceEquals(folder, keep) && _folders.TryRemove(id, out _))
                {
                    folder.Evicted = true;
                    Interlocked.Add(ref _bytes, -folder.Bytes);
                }
            }
        }
    }

    /// <summary>One folder's summaries. A folder dropped from the cache keeps working for whoever holds it, uncounted.</summary>
    internal sealed class FolderSummaries(ImapHeaderSummaryCache cache)
    {
        private readonly ConcurrentDictionary<uint, ImapHeaderSummary> _byUid = new();
        private long _bytes;
        private long _lastUsed;

        public long Bytes => Interlocked.Read(ref _bytes);

        public long LastUsed => Interlocked.Read(ref _lastUsed);

        public int Count => _byUid.Count;

        /// <summary>Dropped from the cache: its changes no longer count against the budget.</summary>
        public volatile bool Evicted;

        public void Touch() => Interlocked.Exchange(ref _lastUsed, Environment.TickCount64);

        public bool TryGet(uint uid, out ImapHeaderSummary summary) => _byUid.TryGetValue(uid, out summary!);

        public void Add(uint uid, ImapHeaderSummary summary)
        {
            if (_byUid.TryAdd(uid, summary))
            {
                Interlocked.Add(ref _bytes, summary.EstimatedBytes);
                if (!Evicted)
                {
                    cache.Charge(this, summary.EstimatedBytes);
                }
            }
        }

        /// <summary>Forgets every UID not in <paramref name="live"/> (expunged messages).</summary>
        public void KeepOnly(IReadOnlyList<uint> live)
        {
            var set = live.ToHashSet();
            foreach (var uid in _byUid.Keys)
            {
                if (!set.Contains(uid) && _byUid.TryRemove(uid, out var removed))
                {
                    Interlocked.Add(ref _bytes, -removed.EstimatedBytes);
                    if (!Evicted)
                    {
                        cache.Charge(this, -removed.EstimatedBytes);
                    }
                }
            }
        }
    }
}
