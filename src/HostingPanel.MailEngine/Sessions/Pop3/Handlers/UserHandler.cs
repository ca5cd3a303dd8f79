using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>USER (RFC 1939 section 7): remembers the name for PASS.</summary>
internal static class UserHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        if (!session.PlaintextAllowed)
            return ValueTask.FromResult(session.Reply(Pop3Replies.ErrPlaintextDisallowed));
        session.State = new Pop3AuthorizationState(command.Text);
        return ValueTask.FromResult(session.Reply(Pop3Replies.UserAccepted));
    }
}
