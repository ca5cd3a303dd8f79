using System.Collections.Concurrent;

namespace HostingPanel.MailEngine.Storage;

public enum MailboxChangeKind
{
    /// <summary>New messages; <see cref="MailboxChange.Uids"/> are theirs (EXISTS).</summary>
    MessagesAdded,
    /// <summary>Messages removed (EXPUNGE / VANISHED).</summary>
    MessagesExpunged,
    /// <summary>Flags or keywords changed (FETCH FLAGS).</summary>
    FlagsChanged,
    /// <summary>A folder was created, renamed or deleted (LIST may differ).</summary>
    FoldersChanged,
    /// <summary>
    /// The mailbox's password changed, or it was suspended, removed or lost a protocol: sessions logged in
    /// with the old credentials end (IMAP, POP3, webmail's pooled connections are IMAP sessions too).
    /// </summary>
    CredentialsChanged,
}

/// <param name="Origin">The object that caused the change (e.g. the IMAP session), so it can skip its own echo.</param>
public sealed record MailboxChange(long MailboxId, long FolderId, MailboxChangeKind Kind, IReadOnlyList<long> Uids, long ModSeq, object? Origin = null);

/// <summary>
/// In-process publisher of changes per mailbox (account). IMAP sessions and IDLE subscribe to their
/// mailbox and filter by folder. Handlers run on the publisher's thread after the change is
/// committed: they must only queue work (e.g. write to a channel), never block.
/// </summary>
public sealed class MailboxChangeNotifier
{
    private readonly ConcurrentDictionary<long, ImmutableHandlers> _subscribers = new();

    public IDisposable Subscribe(long mailboxId, Action<MailboxChange> handler)
    {
        _subscribers.AddOrUpdate(mailboxId, _ => new ImmutableHandlers([handler]), (_, h) => h.Add(handler));
        return new Subscription(this, mailboxId, handler);
    }

    /// <summary>Raised for every change of every mailbox (e.g. so usage reaches the panel soon after deliveries). Must not block.</summary>
    public event Action<MailboxChange>? AnyChange;

    /// <summary>Set by <see cref="PostgresChangeRelay"/>: forwards local changes to other engine nodes.</summary>
    internal Action<MailboxChange>? Relay { get; set; }

    /// <summary>
    /// True while no other engine node writes the store: every change is then announced here before
    /// its writer replies, so a folder may trust "nothing announced" instead of querying.
    /// </summary>
    public bool SeesAllChanges => Relay is null;

    /// <summary>
    /// With other engine nodes (PostgreSQL), how long a session may trust "nothing announced" after its
    /// last read of a folder. Other nodes' changes arrive by LISTEN/NOTIFY, normally within milliseconds;
    /// the window bounds how stale a session can be if a notification never comes (a node that died
    /// between its commit and its NOTIFY). Within it, NOOP and every command's check cost no query.
    /// </summary>
    public static readonly TimeSpan RelayTrustWindow = TimeSpan.FromSeconds(1);

    private volatile bool _relayListening;
    private long _relayEpoch;

    /// <summary>
    /// True when "nothing announced since the last read" may be trusted at all: always on one node; with
    /// other nodes only while the relay listens (what other nodes change meanwhile arrives as
    /// announcements). <paramref name="epoch"/> changes whenever the relay connects or loses its
    /// connection, so a read made in an earlier epoch is never trusted again.
    /// </summary>
    public bool TryTrustAnnouncements(out long epoch)
    {
        epoch = Interlocked.Read(ref _relayEpoch);
        return Relay is null || _relayListening;
    }

    /// <summary>Set by <see cref="PostgresChangeRelay"/> when its LISTEN connection comes up or goes down.</summary>
    internal void SetRelayListening(bool listening)
    {
        _relayListening = listening;
        Interlocked.Increment(ref _relayEpoch);
        // Whatever other nodes changed while nobody listened was never announced: shared reads start over.
        try { AnyChange?.Invoke(new MailboxChange(0, 0, MailboxChangeKind.FoldersChanged, [], 0)); }
        catch { /* a faulty subscriber must not break the relay */ }
    }

    public void Publish(MailboxChange change)
    {
        PublishLocal(change);
        Relay?.Invoke(change);
    }

    /// <summary>Delivers a change to this process's subscribers only (also used for changes relayed from other nodes).</summary>
    internal void PublishLocal(MailboxChange change)
    {
        try { AnyChange?.Invoke(change); }
        catch { /* a faulty subscriber must not break delivery */ }
        if (!_subscribers.TryGetValue(change.MailboxId, out var handlers))
            return;
        foreach (var handler in handlers.Items)
        {
            try { handler(change); }
            catch { /* a faulty subscriber must not break delivery */ }
        }
    }

    private void Unsubscribe(long mailboxId, Action<MailboxChange> handler)
    {
        while (_subscribers.TryGetValue(mailboxId, out var current))
        {
            var next = current.Remove(handler);
            if (next.Items.Length == 0)
            {
                if (_subscribers.TryRemove(new KeyValuePair<long, ImmutableHandlers>(mailboxId, current)))
                    return;
            }
            else if (_subscribers.TryUpdate(mailboxId, next, current))
            {
                return;
            }
        }
    }

    private sealed record ImmutableHandlers(Action<MailboxChange>[] Items)
    {
        public ImmutableHandlers Add(Action<MailboxChange> h) => new([.. Items, h]);
        public ImmutableHandlers Remove(Action<MailboxChange> h)
        {
            var index = Array.IndexOf(Items, h);
            return index < 0 ? this : new ImmutableHandlers([.. Items[..index], .. Items[(index + 1)..]]);
        }
    }

    private sealed class Subscription(MailboxChangeNotifier owner, long mailboxId, Action<MailboxChange> handler) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Unsubscribe(mailboxId, handler);
        }
    }
}
