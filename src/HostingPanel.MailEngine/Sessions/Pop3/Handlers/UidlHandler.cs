using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>UIDL (RFC 1939 section 7): one message's unique id, or the listing.</summary>
internal static class UidlHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        var maildrop = session.Maildrop;
        if (command.Message > 0)
            return ValueTask.FromResult(maildrop.Get(command.Message, out var deleted) is { } m
                ? session.Reply(Pop3Replies.UidlOne(command.Message, maildrop.UniqueId(m)))
                : session.Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage));
        session.Write(Pop3Replies.UidlFollows);
        foreach (var (number, message) in maildrop.Visible())
            session.Write(Pop3Replies.UidlLine(number, maildrop.UniqueId(message)));
        session.Write(".");
        return ValueTask.FromResult(Pop3Outcome.Continue);
    }
}
