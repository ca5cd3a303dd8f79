using System.Collections.Concurrent;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>
/// RFC 1939 exclusive-access lock on a maildrop, per mailbox. In process: one engine node serves a
/// mailbox's POP3 sessions (a second node on the same PostgreSQL would need an advisory lock).
/// </summary>
public sealed class Pop3MaildropLocks
{
    private readonly ConcurrentDictionary<long, object> _owners = new();

    public bool TryAcquire(long mailboxId, object owner) => _owners.TryAdd(mailboxId, owner);

    public void Release(long mailboxId, object owner) => _owners.TryRemove(new KeyValuePair<long, object>(mailboxId, owner));

    public bool IsLocked(long mailboxId) => _owners.ContainsKey(mailboxId);
}
