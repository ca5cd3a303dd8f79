using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>RSET (RFC 1939 section 5): unmarks every message marked deleted.</summary>
internal static class RsetHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        var maildrop = session.Maildrop;
        maildrop.Reset();
        var (count, size) = maildrop.Stat();
        return ValueTask.FromResult(session.Reply(Pop3Replies.Reset(count, size)));
    }
}
