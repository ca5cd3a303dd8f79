using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>PASS (RFC 1939 section 7): logs in the user named by USER.</summary>
internal static class PassHandler
{
    public static async ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        if (session.State is not Pop3AuthorizationState { User: { } user })
            return session.Bad(Pop3Replies.ErrNoUser);
        if (!session.PlaintextAllowed)
            return session.Reply(Pop3Replies.ErrPlaintextDisallowed);
        return await Pop3Login.LogInAsync(session, user, command.Text, ct);
    }
}
