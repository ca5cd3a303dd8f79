using System.Text;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// One opened folder over <see cref="MailStore"/>. Snapshots read the metadata rows only (never a
/// body), and after the first only those changed since; FETCH loads one body with its cached ENVELOPE/BODYSTRUCTURE; IDLE waits on
/// <see cref="MailboxChangeNotifier"/>, subscribed on first wait so STATUS opens cost nothing.
/// </summary>
public sealed class ImapStoreFolder : IImapFolder
{
    private readonly ImapStoreAccount _account;
    private readonly long _folderId;
    private readonly object _gate = new();
    private IDisposable? _subscription;
    private TaskCompletionSource _changed = NewSignal();
    private bool _pending;
    private long _lastModSeq = -1;
    // Changes to this folder announced since the subscription, and the count seen just before the
    // last database read: equal means nothing changed since, so NOOP needs no query (-1: no such read).
    private long _announcedChanges;
    private long _changesAtLastRead = -1;
    // When that read was made (Environment.TickCount64): with other engine nodes it is trusted only so long.
    private long _lastReadTicks;
    // The last snapshot's messages and MODSEQ (GetSnapshotAsync is called by one session at a time).
    private List<ImapMessageMeta>? _cache;
    private long _cacheModSeq;

    internal ImapStoreFolder(ImapStoreAccount account, long folderId, string name)
    {
        _account = account;
        _folderId = folderId;
        Name = name;
    }

    public string Name { get; }

    private MailStore Store => _account.Store;

    public async ValueTask<ImapFolderSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        // The folder row first: a change that lands between the reads then shows as a newer
        // HIGHESTMODSEQ at the next check, instead of being hidden behind one already counted.
        var mark = MarkBeforeRead();
        var folder = await ImapFolderRowReads.For(Store).ReadAsync(_folderId, cancellationToken);
        if (folder is null)
        {
            // Deleted meanwhile (by another session): empty, so the session expunges what it showed.
            _cache = null;
            Volatile.Write(ref _lastModSeq, 0);
            return new ImapFolderSnapshot(0, 1, 0, []);
        }

        if (_cache is null || folder.HighestModSeq != _cacheModSeq)
        {
            // Another session may already have read (or be reading) this folder at this MODSEQ: share its list.
            var previous = _cache;
            var previousModSeq = _cacheModSeq;
            _cache = await ImapSnapshotCache.For(Store).GetOrBuildAsync(_folderId, folder.HighestModSeq,
                () => BuildListAsync(previous, previousModSeq, folder.HighestModSeq), cancellationToken);
        }

        _cacheModSeq = folder.HighestModSeq;
        Volatile.Write(ref _lastModSeq, folder.HighestModSeq);
        RecordRead(mark);
        return new ImapFolderSnapshot((uint)folder.UidValidity, (uint)folder.UidNext, (ulong)folder.HighestModSeq, _cache)
        {
            UnclaimedRecentFrom = (uint)Math.Max(1, folder.RecentUid),
            Keywords = folder.Keywords,
        };
    }

    /// <summary>The folder's list at <paramref name="modSeq"/>: patched from this session's or another's older list, else read whole.</summary>
    private async Task<List<ImapMessageMeta>> BuildListAsync(List<ImapMessageMeta>? previous, long previousModSeq, long modSeq)
    {
        // Shared with sessions that join the build: none of them may cancel it for the others.
        var none = CancellationToken.None;
        if (previous is not null)
        {
            return await PatchAsync(previous, previousModSeq, none);
        }

        if (ImapSnapshotCache.For(Store).TryGetLatest(_folderId, out var baseModSeq, out var baseList) && baseModSeq < modSeq)
        {
            // A newly opened folder (SELECT) starts from another session's older list plus what changed since.
            return await PatchAsync(baseList, baseModSeq, none);
        }

        return (await Store.ListMessagesAsync(_folderId, includeSummaries: false, none)).ConvertAll(ToMeta);
    }

    /// <summary>
    /// The previous snapshot brought up to date from the rows changed and the UIDs expunged since its
    /// MODSEQ (RFC 7162 bookkeeping the store keeps anyway), so a session that syncs after every
    /// command reads only what changed, not the whole folder. Copy-on-write: returned lists never change.
    /// </summary>
    private async Task<List<ImapMessageMeta>> PatchAsync(List<ImapMessageMeta> previous, long since, CancellationToken cancellationToken)
    {
        var (changed, expunged) = await Store.ListChangesSinceAsync(_folderId, since, cancellationToken);
        var removed = expunged.Count == 0 ? null : new HashSet<long>(expunged);
        var updates = new Dictionary<long, StoredMessage>(changed.Count);
        foreach (var row in changed)
        {
            updates[row.Uid] = row;
        }

        var next = new List<ImapMessageMeta>(previous.Count + changed.Count);
        foreach (var meta in previous)
        {
            if (updates.Remove(meta.Uid, out var row))
            {
                next.Add(ToMeta(row));
            }
            else if (removed is null || !removed.Contains(meta.Uid))
            {
                next.Add(meta);
            }
        }

        if (updates.Count > 0)
        {
            // New messages: their UIDs are above every UID the previous snapshot held.
            foreach (var row in updates.Values.OrderBy(r => r.Uid))
            {
                next.Add(ToMeta(row));
            }

            if (!IsAscending(next))
            {
                next.Sort((x, y) => x.Uid.CompareTo(y.Uid));
            }
        }

        return next;
    }

    private static bool IsAscending(List<ImapMessageMeta> list)
    {
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i - 1].Uid >= list[i].Uid)
            {
                return false;
            }
        }

        return true;
    }

    public async ValueTask<ImapFolderStatus?> GetStatusAsync(CancellationToken cancellationToken)
    {
        var status = await Store.GetFolderStatusAsync(_folderId, cancellationToken);
        return status is null
            ? null
            : new ImapFolderStatus(status.Messages, status.Unseen, status.Deleted, status.Size, (uint)status.UidNext, (uint)status.UidValidity, (ulong)status.HighestModSeq)
            {
                Recent = status.Recent,
            };
    }

    public async ValueTask<uint> ClaimRecentAsync(uint upTo, CancellationToken cancellationToken)
    {
        long from;
        try
        {
            from = await Store.ClaimRecentAsync(_folderId, upTo, cancellationToken);
        }
        catch (Exception e) when (StorageFull.Is(e))
        {
            // \Recent is advisory (RFC 3501 2.3.2): on a full disk the session sees none rather than a
            // SELECT refused, so a user can still open the folder and delete mail to make room.
            return upTo;
        }
        // The shared row read holds the old floor: the next session to open the folder must see this claim.
        ImapFolderRowReads.For(Store).Forget(_folderId);
        return (uint)from;
    }

    public async ValueTask<ulong> GetHighestModSeqAsync(CancellationToken cancellationToken)
    {
        // NOOP and every command's sync land here: under 50 clients a query per command kept the
        // pool threads blocked in SQLite (synchronous under its async API). When this process sees
        // every change (no relay from other nodes) and none was announced since the last read, the
        // last MODSEQ is still current.
        // On PostgreSQL with the change relay listening, other nodes' changes are announced too, but the
        // last read is trusted only for MailboxChangeNotifier.RelayTrustWindow.
        var mark = MarkBeforeRead();
        var known = Volatile.Read(ref _lastModSeq);
        if (mark >= 0 && known >= 0 && Volatile.Read(ref _changesAtLastRead) == mark
            && (Store.Changes.SeesAllChanges || Environment.TickCount64 - Volatile.Read(ref _lastReadTicks) < (long)MailboxChangeNotifier.RelayTrustWindow.TotalMilliseconds))
        {
            return (ulong)known;
        }

        var folder = await ImapFolderRowReads.For(Store).ReadAsync(_folderId, cancellationToken);
        var modseq = folder?.HighestModSeq ?? 0;
        Volatile.Write(ref _lastModSeq, modseq);
        RecordRead(mark);
        return (ulong)modseq;
    }

    private void RecordRead(long mark)
    {
        Volatile.Write(ref _lastReadTicks, Environment.TickCount64);
        Volatile.Write(ref _changesAtLastRead, mark);
    }

    /// <summary>
    /// Subscribes (once) and returns the mark to record with a read that follows: the announced-change
    /// count with the relay's epoch in its high bits (a relay that reconnected meanwhile makes every older
    /// mark differ), or -1 when announcements cannot be trusted now, so every check must query.
    /// </summary>
    private long MarkBeforeRead()
    {
        if (!Store.Changes.TryTrustAnnouncements(out var epoch))
        {
            return -1;
        }

        lock (_gate)
        {
            _subscription ??= Store.Changes.Subscribe(_account.MailboxId, OnChange);
            return ((epoch & 0x7FFFFF) << 40) | (_announcedChanges & 0xFF_FFFF_FFFF);
        }
    }

    public async ValueTask<ImapMessageData?> LoadMessageAsync(uint uid, bool includeRaw, CancellationToken cancellationToken)
    {
        var message = await Store.GetMessageAsync(_folderId, uid, cancellationToken);
        if (message is null)
        {
            return null;
        }

        // FETCH ENVELOPE/BODYSTRUCTURE is answered from the row alone: the body file stays closed.
        var raw = ReadOnlyMemory<byte>.Empty;
        if (includeRaw)
        {
            try
            {
                raw = await Store.Bodies.ReadAllAsync(message.BodyPath, cancellationToken);
            }
            catch (FileNotFoundException)
            {
                // Expunged by another session between the row read and the file read.
                return null;
            }
        }

        return new ImapMessageData(raw, Bytes(message.Envelope), Bytes(message.BodyStructure), Bytes(message.Body));
    }

    public async ValueTask<IReadOnlyList<ImapMessageData>> LoadMessagesAsync(IReadOnlyList<uint> uids, ImapLoad load, CancellationToken cancellationToken)
    {
        var rows = await Store.GetMessagesAsync(_folderId, uids.Select(u => (long)u).ToList(), (load & ImapLoad.Summaries) != 0, cancellationToken);
        var list = new List<ImapMessageData>(rows.Count);
        foreach (var row in rows)
        {
            var raw = ReadOnlyMemory<byte>.Empty;
            var headerOnly = false;
            try
            {
                if ((load & ImapLoad.Full) != 0 || ((load & ImapLoad.Header) != 0 && row.HeaderSize is < 0 or > int.MaxValue))
                {
                    raw = await Store.Bodies.ReadAllAsync(row.BodyPath, cancellationToken);
                }
                else if ((load & ImapLoad.Header) != 0)
                {
                    raw = ImapHeaderCache.For(Store).Get(Store.Bodies, row.BodyPath, (int)Math.Min(row.HeaderSize, row.Size));
                    headerOnly = true;
                }
            }
            catch (FileNotFoundException)
            {
                // Expunged by another session between the row read and the file read.
                continue;
            }

            list.Add(new ImapMessageData(raw, Bytes(row.Envelope), Bytes(row.BodyStructure), Bytes(row.Body), (uint)row.Uid, headerOnly));
        }

        return list;
    }

    public async ValueTask<IReadOnlyList<Protocol.Imap.Search.ImapHeaderSummary?>> LoadHeaderSummariesAsync(IReadOnlyList<uint> uids, CancellationToken cancellationToken)
    {
        var index = ImapHeaderSummaryCache.For(Store).Folder(_folderId);
        var result = new Protocol.Imap.Search.ImapHeaderSummary?[uids.Count];
        List<int>? missing = null;
        for (var i = 0; i < uids.Count; i++)
        {
            if (index.TryGet(uids[i], out var summary))
            {
                result[i] = summary;
            }
            else
            {
                (missing ??= []).Add(i);
            }
        }

        if (missing is not null)
        {
            // New arrivals (or a folder searched for the first time): their header blocks, once.
            await ImapHeaderSummaryLoader.FillAsync(this, uids, missing, result, index.Add, cancellationToken);
        }

        if (index.Count > (2 * uids.Count) + 1024)
        {
            // Mostly expunged messages by now: keep what the folder still holds.
            index.KeepOnly(uids);
        }

        return result;
    }

    public async ValueTask<ImapStoreFlagsResult> StoreFlagsAsync(IReadOnlyList<uint> uids, ImapStoreMode mode, IReadOnlyList<string> flags, ulong? unchangedSince,
        CancellationToken cancellationToken)
    {
        var (bits, keywords) = ImapStoreFlags.FromImap(flags);
        var change = mode switch
        {
            ImapStoreMode.Add => FlagChange.Add,
            ImapStoreMode.Remove => FlagChange.Remove,
            _ => FlagChange.Replace,
        };
        var since = unchangedSince is { } u ? (long?)Math.Min(u, long.MaxValue) : null;
        var result = await Store.StoreFlagsAsync(_folderId, uids.Select(x => (long)x).ToList(), change, bits, keywords, since, _account, cancellationToken);
        var changed = new List<ImapMessageMeta>(result.Updated.Count);
        if (result.Updated.Count > 0)
        {
            // The full metadata (date, size) of the changed rows: one query for all of them.
            var wanted = result.Updated.Select(x => x.Uid).ToHashSet();
            var floor = result.Updated.Min(x => x.ModSeq) - 1;
            foreach (var row in await Store.ListChangedSinceAsync(_folderId, floor, cancellationToken))
            {
                if (wanted.Contains(row.Uid))
                {
                    changed.Add(ToMeta(row));
                }
            }
        }

        return new ImapStoreFlagsResult(changed, result.Failed.Select(x => (uint)x).ToList());
    }

    public async ValueTask<IReadOnlyList<uint>> ExpungeAsync(IReadOnlyList<uint>? uids, CancellationToken cancellationToken)
    {
        var removed = await Store.ExpungeAsync(_folderId, uids?.Select(x => (long)x).ToList(), onlyDeleted: true, _account, cancellationToken);
        return removed.Select(x => (uint)x).ToList();
    }

    public async ValueTask<ImapCopyResult> CopyToAsync(IReadOnlyList<uint> uids, string destination, bool move, CancellationToken cancellationToken)
    {
        var target = await Store.GetFolderAsync(_account.MailboxId, ImapStoreAccount.ToStore(destination), cancellationToken);
        if (target is null)
        {
            return new ImapCopyResult(new ImapStoreResult(ImapStoreError.NonExistent, "No such mailbox."), 0, [], []);
        }

        var result = await Store.CopyAsync(_account.MailboxId, _folderId, uids.Select(x => (long)x).ToList(), target.Id, move, _account, cancellationToken);
        if (result.Status != StoreStatus.Ok)
        {
            return new ImapCopyResult(ImapStoreAccount.Map(result.Status, move ? "MOVE" : "COPY"), 0, [], []);
        }

        if (Delivery.Rspamd.RspamdLearning.LessonOf(result.SourceSpecialUse, result.TargetSpecialUse) is { } lesson)
        {
            _account.Learning?.Teach(_account.MailboxId, target.Id, result.DestinationUids ?? [], lesson);
        }

        return new ImapCopyResult(ImapStoreResult.Ok, (uint)result.DestinationUidValidity,
            (result.SourceUids ?? []).Select(x => (uint)x).ToList(), (result.DestinationUids ?? []).Select(x => (uint)x).ToList());
    }

    public async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        Task wait;
        var subscribedNow = false;
        lock (_gate)
        {
            if (_subscription is null)
            {
                _subscription = Store.Changes.Subscribe(_account.MailboxId, OnChange);
                subscribedNow = true;
            }

            if (_pending)
            {
                _pending = false;
                return;
            }

            wait = _changed.Task;
        }

        // A change committed after the caller's last look but before the subscription existed is
        // not announced: compare with the last MODSEQ this folder reported.
        if (subscribedNow && (await Store.GetFolderByIdAsync(_folderId, cancellationToken))?.HighestModSeq is { } now && now != Volatile.Read(ref _lastModSeq))
        {
            lock (_gate)
            {
                _pending = false;
            }

            return;
        }

        await wait.WaitAsync(cancellationToken);
        lock (_gate)
        {
            _pending = false;
        }
    }

    private void OnChange(MailboxChange change)
    {
        if (change.FolderId == 0)
        {
            // A folder-list change (create/rename): count it so the next check reads the row again.
            Interlocked.Increment(ref _announcedChanges);
        }

        if (change.FolderId != _folderId)
        {
            return;
        }

        Interlocked.Increment(ref _announcedChanges);

        TaskCompletionSource signal;
        lock (_gate)
        {
            _pending = true;
            signal = _changed;
            _changed = NewSignal();
        }

        signal.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _subscription?.Dispose();
            _subscription = null;
        }

        return ValueTask.CompletedTask;
    }

    private static ImapMessageMeta ToMeta(StoredMessage row) =>
        new((uint)row.Uid, ImapStoreFlags.ToImap(row.Flags, row.Keywords), (ulong)row.ModSeq, row.InternalDate, row.Size);

    private static byte[]? Bytes(string? text) => text is null ? null : Encoding.UTF8.GetBytes(text);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
