using System.Text.Json;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Protocol.Smtp;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Outbound;

public enum QueuedRecipientStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <param name="Dsn">The recipient's RFC 3461 NOTIFY and ORCPT; null when none were given (entries queued before issue 28 too).</param>
/// <param name="DelayReported">A "delayed" DSN was sent already (NOTIFY=DELAY gets one, not one per attempt).</param>
/// <param name="ForwardedBy">The hosted address (alias, forwarding mailbox, Sieve redirect) that sent the message on to
/// <paramref name="Address"/>, as the directory resolved it (never a client's claim): a failure whose report is withheld
/// from an unproven sender is shown to that address's owner instead (issue 16.10). Null for submissions and bounces.</param>
public sealed record QueuedRecipient(string Address, QueuedRecipientStatus Status, string? LastError, DsnRecipient? Dsn = null, bool DelayReported = false,
    string? ForwardedBy = null);

/// <summary>One queue entry as the admin sees it.</summary>
/// <param name="Sender">Envelope sender; empty for a bounce (null reverse-path).</param>
/// <param name="Origin">How the message reached us when nobody authenticated it (forwarded from the MX port): a failure
/// bounces only to a verified sender. Null for authenticated submissions and entries written before it existed.</param>
public sealed record QueuedMessage(
    string Id,
    string Sender,
    IReadOnlyList<QueuedRecipient> Recipients,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    string? LastError,
    long Size,
    bool IsBounce,
    DsnEnvelope? Dsn = null,
    Backscatter.MessageOrigin? Origin = null)
{
    /// <summary>The authenticated mailbox that submitted it (null for forwards, bounces, notices): its mail waits while its sending is held.</summary>
    public string? SubmittedBy { get; init; }
}

/// <summary>How many entries wait and since when the oldest does (null when the queue is empty).</summary>
public sealed record QueueStatistics(int Depth, DateTimeOffset? OldestCreatedAt)
{
    public static readonly QueueStatistics Empty = new(0, null);
}

/// <summary>A page of queue entries and how many match in all.</summary>
public sealed record QueueListing(IReadOnlyList<QueuedMessage> Items, int Total);

/// <summary>The outbound queue as the admin portal uses it.</summary>
public interface IOutboundQueueAdmin
{
    Task<IReadOnlyList<QueuedMessage>> ListAsync(CancellationToken ct = default);

    /// <summary>
    /// One page of the queue, soonest next attempt first. <paramref name="search"/> (optional) keeps the entries
    /// whose sender or any recipient contains it, ignoring case. Total counts every entry that matches.
    /// </summary>
    Task<QueueListing> ListAsync(string? search, int skip, int take, CancellationToken ct = default);

    /// <summary>Makes the entry due now and wakes the worker; false when there is no such entry.</summary>
    Task<bool> RetryNowAsync(string id, CancellationToken ct = default);

    /// <summary>Removes the entry without a bounce; false when there is no such entry.</summary>
    Task<bool> DeleteAsync(string id, CancellationToken ct = default);
}

/// <summary>
/// Messages waiting to leave. On SQLite (one node), under <c>{DataDirectory}/queue/</c>: the message bytes in
/// <c>{id}.eml</c> and the envelope and retry state in <c>{id}.json</c>, each written to a temporary name, fsynced,
/// renamed and the directory fsynced before <see cref="EnqueueAsync"/> returns (so before 250). On PostgreSQL, in
/// the database's <c>outbound_queue</c> table, committed before the 250 and shared by every node
/// (<see cref="SharedOutboundQueue"/>: claims with SKIP LOCKED and a lease, so no entry is sent by two nodes).
/// </summary>
public sealed class OutboundQueue : IOutboundQueueAdmin
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, QueuedMessage> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger<OutboundQueue> _logger;
    private bool _loaded;

    private readonly SharedOutboundQueue? _shared;

    public OutboundQueue(IOptions<MailStorageOptions> storage, TimeProvider time, ILogger<OutboundQueue> logger, EngineDatabase? db = null,
        IOptions<QueueOptions>? queueOptions = null)
    {
        Directory = Path.Combine(storage.Value.DataDirectory, "queue");
        System.IO.Directory.CreateDirectory(Directory);
        _time = time;
        _logger = logger;
        if (db is { IsSqlite: false })
            _shared = new SharedOutboundQueue(db, Json, queueOptions?.Value.ClaimLease ?? TimeSpan.Zero);
    }

    /// <summary>True when the queue lives in PostgreSQL and every node sends from it.</summary>
    public bool IsShared => _shared is not null;

    public string Directory { get; }

    /// <summary>
    /// Depth and oldest entry as of the last change: read without the lock (metrics read it on every scrape);
    /// recomputed under the lock after each change. <see cref="StatisticsAsync"/> loads the queue first.
    /// </summary>
    public QueueStatistics Statistics => _statistics;

    private volatile QueueStatistics _statistics = QueueStatistics.Empty;

    public async Task<QueueStatistics> StatisticsAsync(CancellationToken ct = default)
    {
        if (_shared is not null)
        {
            await EnsureLoadedAsync(ct);
            return _statistics = await _shared.StatisticsAsync(ct);
        }
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            return _statistics;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Called under the lock after every change of <see cref="_entries"/>.</summary>
    private void Recount() =>
        _statistics = _entries.Count == 0 ? QueueStatistics.Empty : new QueueStatistics(_entries.Count, _entries.Values.Min(e => e.CreatedAt));

    /// <summary>Signalled when an entry becomes due (new, retry now).</summary>
    internal SemaphoreSlim Wakeup { get; } = new(0);

    public Task<string> EnqueueAsync(string sender, IReadOnlyList<string> recipients, byte[] message, bool isBounce, CancellationToken ct = default) =>
        EnqueueAsync(sender, recipients, new MemoryStream(message), isBounce, ct);

    public Task<string> EnqueueAsync(string sender, IReadOnlyList<string> recipients, Stream message, bool isBounce, CancellationToken ct = default) =>
        EnqueueAsync(sender, recipients.Select(r => new QueuedRecipient(r, QueuedRecipientStatus.Pending, null)).ToList(), message, isBounce, null, ct);

    /// <summary>A message with its DSN parameters (RFC 3461), honoured by the worker and passed on to the next hop.</summary>
    /// <paramref name="submittedBy"/>: the authenticated mailbox that sent it, whose sending limits hold it (Limits/SendLimiter).
    public Task<string> EnqueueAsync(string sender, IReadOnlyList<(string Address, DsnRecipient Dsn)> recipients, Stream message, DsnEnvelope dsn, CancellationToken ct = default,
        string? submittedBy = null) =>
        EnqueueAsync(sender, recipients.Select(r => new QueuedRecipient(r.Address, QueuedRecipientStatus.Pending, null, r.Dsn)).ToList(), message, false, dsn, ct, submittedBy);

    /// <summary>The same, for mail nobody authenticated: <paramref name="origin"/> decides later whether a failure may bounce to its sender.</summary>
    public Task<string> EnqueueAsync(string sender, IReadOnlyList<(string Address, DsnRecipient Dsn)> recipients, Stream message, DsnEnvelope dsn,
        Backscatter.MessageOrigin? origin, CancellationToken ct = default) =>
        EnqueueAsync(sender, recipients.Select(r => new QueuedRecipient(r.Address, QueuedRecipientStatus.Pending, null, r.Dsn)).ToList(), message, false, dsn, ct, origin: origin);

    /// <summary>
    /// A forward (alias, forwarding mailbox, Sieve redirect): each destination with the hosted address that sent it on
    /// (<see cref="QueuedRecipient.ForwardedBy"/>); <paramref name="origin"/> as above, null when a local user's mail was forwarded.
    /// </summary>
    public Task<string> EnqueueForwardAsync(string sender, IReadOnlyList<(string Address, DsnRecipient? Dsn, string ForwardedBy)> recipients, Stream message,
        DsnEnvelope? dsn, Backscatter.MessageOrigin? origin, CancellationToken ct = default) =>
        EnqueueAsync(sender, recipients.Select(r => new QueuedRecipient(r.Address, QueuedRecipientStatus.Pending, null, r.Dsn, ForwardedBy: r.ForwardedBy)).ToList(),
            message, false, dsn, ct, origin: origin);

    private async Task<string> EnqueueAsync(string sender, List<QueuedRecipient> recipients, Stream message, bool isBounce, DsnEnvelope? dsn, CancellationToken ct,
        string? submittedBy = null, Backscatter.MessageOrigin? origin = null)
    {
        var id = _time.GetUtcNow().ToString("yyyyMMddHHmmss") + "-" + Guid.NewGuid().ToString("N")[..12];
        var now = _time.GetUtcNow();
        if (_shared is not null)
        {
            await EnsureLoadedAsync(ct);
            using var buffer = new MemoryStream();
            await message.CopyToAsync(buffer, ct);
            var row = new QueuedMessage(id, sender, recipients, 0, now, now, null, buffer.Length, isBounce, dsn, origin) { SubmittedBy = submittedBy };
            await _shared.InsertAsync(row, buffer.ToArray(), ct);
            await RefreshSharedStatisticsAsync();
            _logger.LogInformation("Queued {Id} from <{Sender}> to {Count} recipient(s)", id, sender, recipients.Count);
            Wakeup.Release();
            return id;
        }
        var size = await WriteDurableAsync(Path.Combine(Directory, id + ".eml"), message, ct);
        var entry = new QueuedMessage(id, sender, recipients, 0, now, now, null, size, isBounce, dsn, origin) { SubmittedBy = submittedBy };
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            await SaveStateAsync(entry, ct);
            _entries[id] = entry;
            Recount();
        }
        finally
        {
            _lock.Release();
        }
        _logger.LogInformation("Queued {Id} from <{Sender}> to {Count} recipient(s)", id, sender, recipients.Count);
        Wakeup.Release();
        return id;
    }

    public async Task<QueueListing> ListAsync(string? search, int skip, int take, CancellationToken ct = default)
    {
        var term = string.IsNullOrWhiteSpace(search) ? null : search.Trim();
        if (_shared is not null)
        {
            var all = await ListAsync(ct);
            var found = all.Where(e => term is null || Matches(e, term)).ToList();
            return new QueueListing(found.OrderBy(e => e.NextAttemptAt).ThenBy(e => e.Id, StringComparer.Ordinal)
                .Skip(Math.Max(0, skip)).Take(Math.Max(0, take)).ToList(), found.Count);
        }
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            // Filtered and paged here, under the lock, so a large queue is not copied whole for one page.
            var matching = _entries.Values.Where(e => term is null || Matches(e, term)).ToList();
            var page = matching.OrderBy(e => e.NextAttemptAt).ThenBy(e => e.Id, StringComparer.Ordinal)
                .Skip(Math.Max(0, skip)).Take(Math.Max(0, take)).ToList();
            return new QueueListing(page, matching.Count);
        }
        finally
        {
            _lock.Release();
        }
    }

    private static bool Matches(QueuedMessage entry, string term) =>
        entry.Sender.Contains(term, StringComparison.OrdinalIgnoreCase)
        || entry.Recipients.Any(r => r.Address.Contains(term, StringComparison.OrdinalIgnoreCase));

    public async Task<IReadOnlyList<QueuedMessage>> ListAsync(CancellationToken ct = default)
    {
        if (_shared is not null)
        {
            await EnsureLoadedAsync(ct);
            return (await _shared.ListAsync(ct)).OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        }
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            return _entries.Values.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<bool> RetryNowAsync(string id, CancellationToken ct = default)
    {
        if (_shared is not null)
        {
            if (!await _shared.RetryNowAsync(id, _time.GetUtcNow(), ct))
                return false;
            Wakeup.Release();
            return true;
        }
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            if (!_entries.TryGetValue(id, out var entry))
                return false;
            entry = entry with { NextAttemptAt = _time.GetUtcNow() };
            await SaveStateAsync(entry, ct);
            _entries[id] = entry;
            Recount();
        }
        finally
        {
            _lock.Release();
        }
        Wakeup.Release();
        return true;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken ct = default)
    {
        if (_shared is not null)
        {
            if (!await _shared.DeleteAsync(id, ct))
                return false;
            await RefreshSharedStatisticsAsync();
            _logger.LogInformation("Queue entry {Id} deleted by an admin", id);
            return true;
        }
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            if (!_entries.Remove(id))
                return false;
            Recount();
            RemoveFiles(id);
            _logger.LogInformation("Queue entry {Id} deleted by an admin", id);
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The message of an entry; null when the entry was deleted meanwhile.</summary>
    internal async Task<byte[]?> ReadMessageAsync(string id, CancellationToken ct)
    {
        if (_shared is not null)
            return await _shared.ReadMessageAsync(id, ct);
        try
        {
            return await File.ReadAllBytesAsync(Path.Combine(Directory, id + ".eml"), ct);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Entries claimed by <see cref="DueAsync"/> but left unsent (held): free for any node again.</summary>
    internal Task UnclaimAsync(IReadOnlyList<string> ids, CancellationToken ct) => _shared?.UnclaimAsync(ids, ct) ?? Task.CompletedTask;

    /// <summary>
    /// Entries due at <paramref name="now"/> with pending recipients. Shared: claimed for this node (up to a batch), so
    /// no other node's worker gets them until this one records its attempt or its lease runs out.
    /// </summary>
    internal async Task<IReadOnlyList<QueuedMessage>> DueAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (_shared is not null)
        {
            await EnsureLoadedAsync(ct);
            var claimed = await _shared.ClaimDueAsync(now, ct);
            await RefreshSharedStatisticsAsync();
            return claimed.OrderBy(e => e.NextAttemptAt).ToList();
        }
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            return _entries.Values.Where(e => e.NextAttemptAt <= now).OrderBy(e => e.NextAttemptAt).ToList();
        }
        finally
        {
            _lock.Release();
        }
    }

    internal async Task<DateTimeOffset?> NextDueAsync(Func<QueuedMessage, bool> considered, CancellationToken ct)
    {
        if (_shared is not null)
        {
            // The predicate only reads who submitted the entry (held senders wait); a stand-in entry carries that.
            var upcoming = await _shared.UpcomingAsync(_time.GetUtcNow(), ct);
            foreach (var (at, by) in upcoming)
                if (considered(new QueuedMessage("", "", [], 0, at, at, null, 0, false) { SubmittedBy = by }))
                    return at;
            return null;
        }
        await _lock.WaitAsync(ct);
        try
        {
            await EnsureLoadedAsync(ct);
            var entries = _entries.Values.Where(considered).ToList();
            return entries.Count == 0 ? null : entries.Min(e => e.NextAttemptAt);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Records an attempt's outcome; removes the entry once no recipient is pending. False when it was deleted meanwhile.</summary>
    internal async Task<bool> UpdateAsync(QueuedMessage updated, CancellationToken ct)
    {
        if (_shared is not null)
        {
            var done = await _shared.UpdateAsync(updated, updated.Recipients.All(r => r.Status != QueuedRecipientStatus.Pending), ct);
            await RefreshSharedStatisticsAsync();
            return done;
        }
        await _lock.WaitAsync(ct);
        try
        {
            if (!_entries.ContainsKey(updated.Id))
                return false;
            if (updated.Recipients.All(r => r.Status != QueuedRecipientStatus.Pending))
            {
                _entries.Remove(updated.Id);
                Recount();
                RemoveFiles(updated.Id);
            }
            else
            {
                await SaveStateAsync(updated, ct);
                _entries[updated.Id] = updated;
            }
            return true;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Shared: depth and age for metrics after a change; a failure here must not fail the change itself.</summary>
    private async Task RefreshSharedStatisticsAsync()
    {
        try
        {
            _statistics = await _shared!.StatisticsAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning(e, "Could not read the shared queue's depth");
        }
    }

    private async Task EnsureLoadedAsync(CancellationToken ct)
    {
        if (_loaded)
            return;
        if (_shared is not null)
        {
            await ImportLocalEntriesAsync(ct);
            return;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                await using var file = File.OpenRead(path);
                var entry = await JsonSerializer.DeserializeAsync<QueuedMessage>(file, Json, ct);
                if (entry is not null && File.Exists(Path.Combine(Directory, entry.Id + ".eml")))
                    _entries[entry.Id] = entry;
            }
            catch (JsonException e)
            {
                _logger.LogError(e, "Unreadable queue entry {Path}", path);
            }
        }
        // A crash between the two writes leaves a body without state: nothing was acknowledged for it.
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.eml"))
            if (!_entries.ContainsKey(Path.GetFileNameWithoutExtension(path)))
                TryDelete(path);
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.tmp"))
            TryDelete(path);
        Recount();
        _loaded = true;
    }

    /// <summary>
    /// A node moved from SQLite to PostgreSQL (or one that queued to files before the queue was shared) may still
    /// hold acknowledged mail in <c>queue/</c>: it goes into the shared table once, then the files go.
    /// </summary>
    private async Task ImportLocalEntriesAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct);
        try
        {
            if (_loaded)
                return;
            foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
            {
                QueuedMessage? entry;
                try
                {
                    await using (var file = File.OpenRead(path))
                        entry = await JsonSerializer.DeserializeAsync<QueuedMessage>(file, Json, ct);
                }
                catch (JsonException e)
                {
                    _logger.LogError(e, "Unreadable queue entry {Path}", path);
                    continue;
                }
                var body = entry is null ? null : Path.Combine(Directory, entry.Id + ".eml");
                if (entry is null || !File.Exists(body))
                    continue;
                await _shared!.InsertAsync(entry, await File.ReadAllBytesAsync(body, ct), ct);
                _logger.LogInformation("Queue entry {Id} moved from this node's files into the shared queue", entry.Id);
                TryDelete(path);
                TryDelete(body);
            }
            await RefreshSharedStatisticsAsync();
            _loaded = true;
        }
        finally
        {
            _lock.Release();
        }
    }

    private Task SaveStateAsync(QueuedMessage entry, CancellationToken ct) =>
        WriteDurableAsync(Path.Combine(Directory, entry.Id + ".json"), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(entry, Json)), ct);

    /// <summary>Temporary name, fsync, rename, directory fsync; returns the size written.</summary>
    private async Task<long> WriteDurableAsync(string path, Stream content, CancellationToken ct)
    {
        var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        long size;
        try
        {
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous);
            await content.CopyToAsync(file, ct);
            size = file.Length;
            file.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        File.Move(temp, path, overwrite: true);
        BodyStore.SyncDirectories([Directory]);
        return size;
    }

    private void RemoveFiles(string id)
    {
        TryDelete(Path.Combine(Directory, id + ".json"));
        TryDelete(Path.Combine(Directory, id + ".eml"));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
