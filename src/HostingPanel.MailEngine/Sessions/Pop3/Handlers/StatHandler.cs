using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>STAT (RFC 1939 section 5): count and size of the messages not marked deleted.</summary>
internal static class StatHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        var (count, size) = session.Maildrop.Stat();
        return ValueTask.FromResult(session.Reply(Pop3Replies.Stat(count, size)));
    }
}
