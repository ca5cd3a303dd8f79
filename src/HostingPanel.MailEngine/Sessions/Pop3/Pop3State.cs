using HostingPanel.MailEngine.Protocol.Pop3;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>RFC 1939 session states; each carries only its own data.</summary>
internal abstract record Pop3State;

/// <summary>AUTHORIZATION: <see cref="User"/> is set after a USER command, waiting for PASS.</summary>
internal sealed record Pop3AuthorizationState(string? User = null) : Pop3State;

/// <summary>AUTHORIZATION, inside a SASL exchange: the next line is the client's response.</summary>
internal sealed record Pop3SaslState(string Mechanism) : Pop3State;

/// <summary>TRANSACTION: the locked maildrop.</summary>
internal sealed record Pop3TransactionState(Pop3Maildrop Maildrop) : Pop3State;

/// <summary>
/// One message as a POP3 session keeps it for its whole life: only what STAT, LIST, UIDL, RETR and
/// UPDATE need (a session holds one per message of the INBOX, so the store's full row would cost
/// an idle connection several times more memory).
/// </summary>
internal readonly record struct Pop3Message(long Id, long Uid, long Size, string BodyPath, bool RetrievedBefore)
{
    public static Pop3Message From(StoredMessage m) => new(m.Id, m.Uid, m.Size, m.BodyPath, m.Pop3RetrievedAt is not null);
}

/// <summary>The INBOX as one POP3 session sees it: numbered at login, deletions pending until QUIT.</summary>
internal sealed class Pop3Maildrop(long mailboxId, FolderInfo inbox, Pop3Message[] messages)
{
    private readonly bool[] _deleted = new bool[messages.Length];
    private readonly HashSet<long> _retrieved = [];

    public long MailboxId => mailboxId;
    public FolderInfo Inbox => inbox;
    public int Count => messages.Length;

    /// <summary>The message with 1-based <paramref name="number"/>, or null if out of range or marked deleted.</summary>
    public Pop3Message? Get(int number, out bool deleted)
    {
        deleted = false;
        if (number < 1 || number > messages.Length)
            return null;
        deleted = _deleted[number - 1];
        return deleted ? null : messages[number - 1];
    }

    public IEnumerable<(int Number, Pop3Message Message)> Visible()
    {
        for (var i = 0; i < messages.Length; i++)
        {
            if (!_deleted[i])
                yield return (i + 1, messages[i]);
        }
    }

    public (int Count, long Size) Stat()
    {
        var (count, size) = (0, 0L);
        for (var i = 0; i < messages.Length; i++)
        {
            if (_deleted[i])
                continue;
            count++;
            size += messages[i].Size;
        }
        return (count, size);
    }

    public void Delete(int number) => _deleted[number - 1] = true;

    public void Reset() => Array.Clear(_deleted);

    public void MarkRetrieved(Pop3Message m)
    {
        if (!m.RetrievedBefore)
            _retrieved.Add(m.Id);
    }

    public IReadOnlyCollection<long> Retrieved => _retrieved;

    public IReadOnlyCollection<long> DeletedUids => messages.Where((_, i) => _deleted[i]).Select(m => m.Uid).ToList();

    /// <summary>Stable forever: the INBOX's UIDVALIDITY and the message's UID never change together.</summary>
    public string UniqueId(Pop3Message m) => $"{inbox.UidValidity}.{m.Uid}";
}
