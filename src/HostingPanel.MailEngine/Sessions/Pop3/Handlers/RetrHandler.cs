using HostingPanel.MailEngine.Protocol.Pop3;
using Microsoft.Win32.SafeHandles;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>RETR and TOP (RFC 1939 sections 5 and 7): the stored body, dot-stuffed.</summary>
internal static class RetrHandler
{
    public static async ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        var maildrop = session.Maildrop;
        if (maildrop.Get(command.Message, out var deleted) is not { } message)
            return session.Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage);
        SafeFileHandle body;
        try
        {
            body = await session.Services.Store.Bodies.OpenHandleAsync(message.BodyPath, Pop3MessageSender.OpenOptions(message.Size), ct);
        }
        catch (FileNotFoundException)
        {
            return session.Reply(Pop3Replies.ErrMessageGone);
        }
        var connection = session.Connection;
        using (body)
        {
            if (command.Verb == Pop3Verb.Top)
            {
                session.Write(Pop3Replies.TopFollows);
                // fetchmail in keep mode downloads with TOP and a line count larger than any message rather than RETR:
                // a TOP that sent the whole message is a download too (issue 19's "never deletes" report counts it).
                if (await Pop3MessageSender.SendTopAsync(connection.Writer, body, command.Lines, ct))
                    maildrop.MarkRetrieved(message);
                return Pop3Outcome.Continue;
            }
            // RETR bypasses the pipe: replies batched before it go first, then the message in large writes.
            if (connection.UnflushedBytes > 0)
                await connection.FlushAsync(ct);
            await Pop3MessageSender.SendRetrAsync(connection.Stream, body, Pop3Replies.RetrFollows(message.Size), ct);
        }
        maildrop.MarkRetrieved(message);
        return Pop3Outcome.Continue;
    }
}
