using System.Net;
using HostingPanel.MailEngine.Protocol.Pop3;
using HostingPanel.MailEngine.Sessions.Pop3.Handlers;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>
/// One POP3 session's state and its command dispatch: each line goes through <see cref="Pop3CommandTable"/>
/// to its handler, which writes replies through the <see cref="Pop3Connection"/>. The connection owns the
/// socket, TLS and framing.
/// </summary>
internal sealed class Pop3Session(Pop3Connection connection, IPAddress remote, Pop3Services services, CancellationToken stopping)
{
    private int _badCommands;
    // Cancelled when the logged-in mailbox's credentials change or its lock is lost: the session ends at its next read.
    private readonly CancellationTokenSource _revoked = new();
    private IDisposable? _credentialWatch;
    private CancellationTokenRegistration _lockWatch;
    private volatile bool _lockLost;

    public Pop3Connection Connection => connection;

    public Pop3Services Services => services;

    public IPAddress Remote => remote;

    /// <summary>The engine is stopping.</summary>
    public CancellationToken Stopping => stopping;

    public Pop3State State { get; set; } = new Pop3AuthorizationState();

    /// <summary>Plaintext passwords only over TLS, or from loopback when Mail:AllowPlaintextAuth is set.</summary>
    public bool PlaintextAllowed => connection.IsTls || services.Options.AllowPlaintextAuth && IPAddress.IsLoopback(remote);

    /// <summary>The locked maildrop; only in TRANSACTION.</summary>
    public Pop3Maildrop Maildrop => ((Pop3TransactionState)State).Maildrop;

    /// <summary>Another node may hold this maildrop now: no UPDATE state.</summary>
    public bool LockLost => _lockLost;

    /// <summary>Cancelled when the session must end at its next read.</summary>
    public CancellationToken Revoked => _revoked.Token;

    /// <summary>The last words when <see cref="Revoked"/> ended the session.</summary>
    public string RevokedReply => _lockLost ? Pop3Replies.ErrLockLost : Pop3Replies.ErrCredentialsChanged;

    public async Task<Pop3Outcome> HandleLineAsync(byte[] line)
    {
        if (State is Pop3SaslState)
            return await AuthHandler.ContinueAsync(this, line, stopping);
        var parsed = Pop3CommandParser.Parse(line);
        if (parsed.Command is not { } command)
            return Bad(Pop3Replies.Error(parsed.Error!));
        if (!Pop3CommandTable.TryGet(State, command.Verb, out var handler))
            return Bad(Pop3Replies.ErrWrongState);
        try
        {
            return await handler(this, command, stopping);
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException))
        {
            services.Logger.LogError(e, "POP3 {Verb} failed", command.Verb);
            return Reply(Pop3Replies.ErrTemporary);
        }
    }

    /// <summary>
    /// Enters TRANSACTION with the locked maildrop, and ends the session when the mailbox's credentials
    /// change or this node loses the maildrop's lock.
    /// </summary>
    public void EnterTransaction(Pop3Maildrop maildrop)
    {
        State = new Pop3TransactionState(maildrop);
        _credentialWatch = services.Store.Changes.Subscribe(maildrop.MailboxId, change =>
        {
            if (change.Kind == MailboxChangeKind.CredentialsChanged)
                _ = _revoked.CancelAsync();
        });
        // Another node may take the maildrop once this node's lock connection is gone: end the session first.
        _lockWatch = services.Locks.LostToken.Register(() =>
        {
            _lockLost = true;
            _ = _revoked.CancelAsync();
        });
    }

    /// <summary>A session that ends without QUIT deletes nothing, but retrievals still start retention.</summary>
    public async Task EndAsync()
    {
        _credentialWatch?.Dispose();
        await _lockWatch.DisposeAsync();
        if (State is not Pop3TransactionState { Maildrop: var maildrop })
            return;
        try
        {
            await services.Store.MarkPop3RetrievedAsync(maildrop.Retrieved, CancellationToken.None);
        }
        catch (Exception e)
        {
            services.Logger.LogWarning(e, "Could not record POP3 retrievals");
        }
        finally
        {
            await services.Locks.ReleaseAsync(maildrop.MailboxId, this);
        }
    }

    /// <summary>Writes one reply line.</summary>
    public void Write(string line) => connection.Write(line);

    /// <summary>Writes one reply line; the session goes on.</summary>
    public Pop3Outcome Reply(string line)
    {
        connection.Write(line);
        return Pop3Outcome.Continue;
    }

    /// <summary>A refused command: answered, counted, and past the limit the session ends.</summary>
    public Pop3Outcome Bad(string line)
    {
        connection.Write(line);
        if (++_badCommands < services.Options.Pop3Limits.MaxBadCommands)
            return Pop3Outcome.Continue;
        connection.Write(Pop3Replies.ErrTooManyBadCommands);
        return Pop3Outcome.Close;
    }
}
