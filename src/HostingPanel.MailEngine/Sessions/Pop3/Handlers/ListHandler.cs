using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>LIST (RFC 1939 section 5): one message's size, or the scan listing.</summary>
internal static class ListHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        var maildrop = session.Maildrop;
        if (command.Message > 0)
            return ValueTask.FromResult(maildrop.Get(command.Message, out var deleted) is { } m
                ? session.Reply(Pop3Replies.ListOne(command.Message, m.Size))
                : session.Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage));
        session.Write(Pop3Replies.ScanListFollows);
        foreach (var (number, message) in maildrop.Visible())
            session.Write(Pop3Replies.ListLine(number, message.Size));
        session.Write(".");
        return ValueTask.FromResult(Pop3Outcome.Continue);
    }
}
