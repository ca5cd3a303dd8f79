using System.Runtime.CompilerServices;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// One read of a folder's row (UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ) shared by every session that asks
/// while nothing new was announced for the folder. When mail arrives, fifty sessions idling on one
/// INBOX wake together; without this each read the row (twice: the MODSEQ check, then the snapshot),
/// and those queries, not the notification, were what the last EXISTS waited for.
/// </summary>
/// <remarks>
/// Sound because every change is committed before it is announced, and an announcement for a folder
/// ends the sharing of its read: whoever joins a read joins one that began after every announcement
/// it has seen, so the read sees those changes. Only used while this process sees all changes
/// (<see cref="MailboxChangeNotifier.SeesAllChanges"/>), or, with other engine nodes writing, while the
/// change relay listens, and then for <see cref="MailboxChangeNotifier.RelayTrustWindow"/> at most;
/// otherwise every caller reads for itself.
/// </remarks>
internal sealed class ImapFolderRowReads
{
    private static readonly ConditionalWeakTable<MailStore, ImapFolderRowReads> PerStore = new();
    private readonly MailStore _store;
    // The latest read of each folder, shared until the next announcement for it (or any folder-list change).
    private readonly Dictionary<long, (Task<FolderInfo?> Read, long StartedTicks)> _reads = [];
    private const int MaxFolders = 4096;

    private ImapFolderRowReads(MailStore store)
    {
        _store = store;
        store.Changes.AnyChange += OnChange;
    }

    public static ImapFolderRowReads For(MailStore store) => PerStore.GetValue(store, s => new ImapFolderRowReads(s));

    public Task<FolderInfo?> ReadAsync(long folderId, CancellationToken cancellationToken)
    {
        if (!_store.Changes.TryTrustAnnouncements(out _))
        {
            return _store.GetFolderByIdAsync(folderId, cancellationToken);
        }

        var now = Environment.TickCount64;
        lock (_reads)
        {
            if (_reads.TryGetValue(folderId, out var shared) && !shared.Read.IsFaulted && !shared.Read.IsCanceled
                && (_store.Changes.SeesAllChanges || now - shared.StartedTicks < (long)MailboxChangeNotifier.RelayTrustWindow.TotalMilliseconds))
            {
                return shared.Read.WaitAsync(cancellationToken);
            }

            if (_reads.Count >= MaxFolders)
            {
                // Rows of folders read once and never changed since: let them go rather than grow forever.
                _reads.Clear();
            }

            // Not the caller's token: others may join this read, and one leaving must not cancel it for them.
            var read = _store.GetFolderByIdAsync(folderId, CancellationToken.None);
            _reads[folderId] = (read, now);
            return read.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Drops the shared read of a folder whose row changed without an announcement (a \Recent claim).</summary>
    public void Forget(long folderId)
    {
        lock (_reads)
        {
            _reads.Remove(folderId);
        }
    }

    private void OnChange(MailboxChange change)
    {
        lock (_reads)
        {
            if (change.FolderId == 0 || change.Kind == MailboxChangeKind.FoldersChanged)
            {
                // Create, rename, delete: which folder rows moved is not worth working out.
                _reads.Clear();
            }
            else
            {
                _reads.Remove(change.FolderId);
            }
        }
    }
}
