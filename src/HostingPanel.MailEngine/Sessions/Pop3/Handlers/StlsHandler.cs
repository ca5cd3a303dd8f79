using HostingPanel.MailEngine.Protocol.Pop3;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>STLS (RFC 2595 section 4): the handshake starts after this reply is flushed.</summary>
internal static class StlsHandler
{
    public static ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        if (session.Connection.IsTls)
            return ValueTask.FromResult(session.Bad(Pop3Replies.ErrAlreadyTls));
        try
        {
            _ = session.Services.Tls.Certificate;
        }
        catch (Exception e)
        {
            session.Services.Logger.LogError(e, "No TLS certificate for STLS");
            return ValueTask.FromResult(session.Reply(Pop3Replies.ErrTlsUnavailable));
        }
        session.Write(Pop3Replies.BeginTls);
        return ValueTask.FromResult(Pop3Outcome.StartTls);
    }
}
