using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>DELE (RFC 1939 section 5): marks the message; it is removed only in the UPDATE state.</summary>
internal static class DeleHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        var maildrop = session.Maildrop;
        if (maildrop.Get(command.Message, out var deleted) is null)
            return ValueTask.FromResult(session.Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage));
        maildrop.Delete(command.Message);
        return ValueTask.FromResult(session.Reply(Pop3Replies.Deleted(command.Message)));
    }
}
