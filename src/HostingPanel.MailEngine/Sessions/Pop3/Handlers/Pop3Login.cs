using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Protocol.Pop3;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>
/// The login shared by PASS and AUTH: checks the password, locks the maildrop (RFC 1939 section 8: one
/// session at a time), applies retention and numbers the INBOX for the session.
/// </summary>
internal static class Pop3Login
{
    public static async ValueTask<Pop3Outcome> LogInAsync(Pop3Session session, string user, string password, CancellationToken ct)
    {
        session.State = new Pop3AuthorizationState();
        var services = session.Services;
        var result = await services.Authenticator.AuthenticateAsync(user, password, session.Remote, MailProtocol.Pop3, ct);
        switch (result.Failure)
        {
            case AuthFailure.InvalidCredentials: return session.Reply(Pop3Replies.ErrAuthFailed);
            case AuthFailure.Throttled: return session.Reply(Pop3Replies.ErrThrottled);
            case AuthFailure.Disabled: return session.Reply(Pop3Replies.ErrDisabled);
            case AuthFailure.ProtocolDisabled: return session.Reply(Pop3Replies.ErrPop3Disabled);
        }
        var account = result.Account!;
        if (!await services.Locks.TryAcquireAsync(account.Id, session, ct))
            return session.Reply(Pop3Replies.ErrInUse);
        try
        {
            await services.Retention.ApplyAsync(account.Id, ct);
            var inbox = await services.Store.GetFolderAsync(account.Id, MailStore.Inbox, ct)
                        ?? throw new InvalidOperationException($"mailbox {account.Address} has no INBOX");
            var messages = await services.Store.ListMessagesAsync(inbox.Id, includeSummaries: false, ct);
            session.EnterTransaction(new Pop3Maildrop(account.Id, inbox, messages.Select(Pop3Message.From).ToArray()));
        }
        catch
        {
            await services.Locks.ReleaseAsync(account.Id, session);
            throw;
        }
        return session.Reply(Pop3Replies.LoggedIn);
    }
}
