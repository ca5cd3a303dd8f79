using System.Text;
using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3.Handlers;

/// <summary>AUTH (RFC 5034) with SASL PLAIN (RFC 4616), with or without an initial response.</summary>
internal static class AuthHandler
{
    public static async ValueTask<Pop3Outcome> HandleAsync(Pop3Session session, Pop3Command command, CancellationToken ct)
    {
        if (command.Mechanism is null)
        {
            // Note: listing mechanisms on a bare AUTH predates RFC 5034, but clients still send it.
            session.Write("+OK");
            if (session.PlaintextAllowed)
                session.Write("PLAIN");
            session.Write(".");
            return Pop3Outcome.Continue;
        }
        if (command.Mechanism != "PLAIN")
            return session.Bad(Pop3Replies.ErrMechanism);
        if (!session.PlaintextAllowed)
            return session.Reply(Pop3Replies.ErrPlaintextDisallowed);
        if (command.InitialResponse is null)
        {
            session.State = new Pop3SaslState(command.Mechanism);
            return session.Reply(Pop3Replies.SaslContinue);
        }
        // RFC 5034 section 4: "=" is an empty initial response.
        return await PlainAsync(session, command.InitialResponse == "=" ? "" : command.InitialResponse, ct);
    }

    /// <summary>The client's response line after "+ " (RFC 5034 section 4); "*" cancels.</summary>
    public static async ValueTask<Pop3Outcome> ContinueAsync(Pop3Session session, byte[] line, CancellationToken ct)
    {
        session.State = new Pop3AuthorizationState();
        var text = Encoding.ASCII.GetString(line);
        if (text == "*")
            return session.Reply(Pop3Replies.ErrSaslCancelled);
        return await PlainAsync(session, text, ct);
    }

    /// <summary>RFC 4616: [authzid] NUL authcid NUL passwd, base64.</summary>
    private static async ValueTask<Pop3Outcome> PlainAsync(Pop3Session session, string base64, CancellationToken ct)
    {
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return session.Bad(Pop3Replies.ErrSaslMalformed);
        }
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
            return session.Bad(Pop3Replies.ErrSaslMalformed);
        if (parts[0].Length > 0 && !parts[0].Equals(parts[1], StringComparison.OrdinalIgnoreCase))
            return session.Reply(Pop3Replies.ErrAuthFailed); // no proxy authorization
        return await Pop3Login.LogInAsync(session, parts[1], parts[2], ct);
    }
}
