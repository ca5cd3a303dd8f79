using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>NOOP (RFC 1939 section 5).</summary>
internal static class NoopHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct) =>
        ValueTask.FromResult(session.Reply(Pop3Replies.Noop));
}
