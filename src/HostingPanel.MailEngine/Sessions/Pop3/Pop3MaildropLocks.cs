using System.Collections.Concurrent;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>
/// RFC 1939 section 8 exclusive-access lock on a maildrop, per mailbox: first among this node's sessions
/// (in process), then across nodes on one PostgreSQL database (<see cref="ClusterLocks"/>, an advisory lock
/// per mailbox), so a second POP3 login to the same mailbox through another node behind the balancer gets
/// <c>-ERR [IN-USE]</c> too. A node that dies frees its maildrops with its database connection.
/// </summary>
public sealed class Pop3MaildropLocks(ClusterLocks cluster)
{
    private readonly ConcurrentDictionary<long, object> _owners = new();

    public async Task<bool> TryAcquireAsync(long mailboxId, object owner, CancellationToken ct)
    {
        if (!_owners.TryAdd(mailboxId, owner))
            return false;
        try
        {
            if (await cluster.TryAcquireAsync(ClusterLockClass.Pop3Maildrop, mailboxId, ct))
                return true;
        }
        catch
        {
            _owners.TryRemove(new KeyValuePair<long, object>(mailboxId, owner));
            throw;
        }
        _owners.TryRemove(new KeyValuePair<long, object>(mailboxId, owner));
        return false;
    }

    /// <summary>The cluster lock goes first: a session of this node that takes the maildrop next must find it free there too.</summary>
    public async Task ReleaseAsync(long mailboxId, object owner)
    {
        if (!_owners.TryGetValue(mailboxId, out var current) || !ReferenceEquals(current, owner))
            return;
        try
        {
            await cluster.ReleaseAsync(ClusterLockClass.Pop3Maildrop, mailboxId);
        }
        finally
        {
            _owners.TryRemove(new KeyValuePair<long, object>(mailboxId, owner));
        }
    }

    public bool IsLocked(long mailboxId) => _owners.ContainsKey(mailboxId);

    /// <summary>Cancelled when the node's lock connection broke: its maildrop locks are no longer exclusive.</summary>
    public CancellationToken LostToken => cluster.LostToken;
}
