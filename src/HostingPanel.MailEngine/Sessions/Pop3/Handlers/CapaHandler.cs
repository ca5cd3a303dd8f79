using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>CAPA (RFC 2449 section 5): STLS only before a login on a plain connection, SASL PLAIN and USER only where plaintext is allowed.</summary>
internal static class CapaHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        session.Write(Pop3Replies.CapaFollows);
        foreach (var capability in Pop3Replies.Capabilities(session.PlaintextAllowed,
                     offerStls: !session.Connection.IsTls && session.State is Pop3AuthorizationState))
            session.Write(capability);
        session.Write(".");
        return ValueTask.FromResult(Pop3Outcome.Continue);
    }
}
