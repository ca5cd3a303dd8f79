using HostingPanel.MailEngine.Protocol.Pop3;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>QUIT (RFC 1939 section 6): in TRANSACTION it enters UPDATE, and only now are DELE'd messages removed.</summary>
internal static class QuitHandler
{
    public static async ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        if (session.State is Pop3TransactionState { Maildrop: var maildrop })
        {
            if (session.LockLost)
            {
                // Without the lock another node may hold this maildrop now: no UPDATE state.
                session.Write(Pop3Replies.ErrLockLost);
                return Pop3Outcome.Close;
            }
            var services = session.Services;
            try
            {
                await services.Store.MarkPop3RetrievedAsync(maildrop.Retrieved, ct);
                var deleted = maildrop.DeletedUids;
                if (deleted.Count > 0)
                    await services.Store.ExpungeAsync(maildrop.Inbox.Id, deleted, onlyDeleted: false, origin: session, ct: ct, pop3Removal: true);
                await services.Locks.ReleaseAsync(maildrop.MailboxId, session);
                session.State = new Pop3AuthorizationState();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                services.Logger.LogError(e, "POP3 UPDATE failed");
                session.Write(Pop3Replies.ErrUpdateFailed);
                return Pop3Outcome.Close;
            }
        }
        session.Write(Pop3Replies.Bye);
        return Pop3Outcome.Close;
    }
}
