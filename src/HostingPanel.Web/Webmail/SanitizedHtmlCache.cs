using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Sanitized message HTML kept in memory, so a message opened again (or its frame reloaded) skips the
/// fetch of the HTML part and the sanitizer, which dominates the frame's time for large messages. A
/// stored message never changes: within one UIDVALIDITY of a folder a UID names one message for good,
/// so the key (mailbox, folder, UIDVALIDITY, UID, remote images shown) needs no invalidation. The
/// reader still asks the server whether the message exists before a cached copy is used, so an expunged
/// message is not shown. Bounded by <see cref="WebmailOptions.HtmlCacheMegabytes"/> (0 turns it off):
/// an entry that does not fit is not kept, and a quarter of the cache, least recently used first, is
/// freed for the next ones.
/// </summary>
public sealed class SanitizedHtmlCache : IDisposable
{
    public readonly record struct Key(Guid MailboxId, string Folder, uint UidValidity, uint Uid, bool RemoteImages);

    public sealed record Entry(string Html, bool BlockedRemote);

    /// <summary>Per entry besides the text: the key, the record and the cache's own bookkeeping.</summary>
    private const long EntryOverheadBytes = 256;

    private readonly MemoryCache? _cache;

    public SanitizedHtmlCache(IOptions<WebmailOptions> options)
    {
        var megabytes = options.Value.HtmlCacheMegabytes;
        if (megabytes > 0)
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = megabytes * 1024L * 1024L, CompactionPercentage = 0.25 });
    }

    /// <summary>Entries held now.</summary>
    public long Count => _cache?.Count ?? 0;

    public Entry? Find(Key key) => _cache is not null && _cache.TryGetValue(key, out Entry? entry) ? entry : null;

    public void Add(Key key, Entry entry)
    {
        if (_cache is null) return;
        // A .NET string holds two bytes per character.
        _cache.Set(key, entry, new MemoryCacheEntryOptions { Size = entry.Html.Length * 2L + EntryOverheadBytes });
    }

    public void Dispose() => _cache?.Dispose();
}
