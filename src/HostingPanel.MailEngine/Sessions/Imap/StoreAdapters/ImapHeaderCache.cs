using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// Header blocks of recently read messages, keyed by body file: header SEARCH, SORT, THREAD and
/// FETCH BODY[HEADER] over a folder then read memory instead of opening thousands of files (the role
/// Dovecot's cache file plays). Body files never change and their names are never reused, so an entry
/// is never stale. Bounded by <see cref="BudgetBytes"/> of header bytes (a search may attach the parsed
/// fields to a cached block, a few times its size, freed with it); past it, entries are dropped in no
/// particular order until a quarter of the budget is free. One cache per <see cref="MailStore"/>.
/// </summary>
internal sealed class ImapHeaderCache
{
    public const long BudgetBytes = 16L * 1024 * 1024;
    private static readonly ConditionalWeakTable<MailStore, ImapHeaderCache> PerStore = new();
    private readonly ConcurrentDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);
    private long _bytes;

    public static ImapHeaderCache For(MailStore store) => PerStore.GetValue(store, _ => new ImapHeaderCache());

    /// <summary>The first <paramref name="length"/> bytes of the body at <paramref name="bodyPath"/>, from memory when cached.</summary>
    /// <exception cref="FileNotFoundException">The body is gone (expunged) and was not cached.</exception>
    public byte[] Get(BodyStore bodies, string bodyPath, int length)
    {
        if (_entries.TryGetValue(bodyPath, out var cached) && cached.Length == length)
        {
            return cached;
        }

        var head = bodies.ReadHead(bodyPath, length);
        if (head.Length == length && _entries.TryAdd(bodyPath, head) && Interlocked.Add(ref _bytes, head.Length) > BudgetBytes)
        {
            Trim();
        }

        return head;
    }

    private void Trim()
    {
        foreach (var key in _entries.Keys)
        {
            if (Interlocked.Read(ref _bytes) <= BudgetBytes * 3 / 4)
            {
                return;
            }

            if (_entries.TryRemove(key, out var removed))
            {
                Interlocked.Add(ref _bytes, -removed.Length);
            }
        }
    }
}
