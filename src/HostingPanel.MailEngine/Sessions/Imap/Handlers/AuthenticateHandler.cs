using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>AUTHENTICATE PLAIN (RFC 4616) with or without SASL-IR (RFC 4959).</summary>
internal static class AuthenticateHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var auth = (ImapAuthenticateCommand)command;
        if (auth.Mechanism != "PLAIN")
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "Unsupported mechanism.", ImapResponseCode.Cannot);
            return;
        }

        if (!session.PlaintextAuthAllowed)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "Use TLS (STARTTLS) before logging in.", ImapResponseCode.PrivacyRequired);
            return;
        }

        var response = auth.InitialResponse;
        if (response is null)
        {
            session.Writer.Continuation(string.Empty);
            await session.Channel.FlushAsync(cancellationToken);
            response = await session.Channel.ReadLineAsync(cancellationToken);
            if (response is null)
            {
                return;
            }

            if (response == "*")
            {
                session.Writer.Tagged(command.Tag, ImapStatus.Bad, "Authentication cancelled.");
                return;
            }
        }

        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(response);
        }
        catch (FormatException)
        {
            session.Writer.Tagged(command.Tag, ImapStatus.Bad, "Invalid base64.");
            return;
        }

        // message = [authzid] NUL authcid NUL passwd
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3 || (parts[0].Length > 0 && parts[0] != parts[1]))
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "Invalid credentials.", ImapResponseCode.AuthenticationFailed);
            return;
        }

        await LoginHandler.LoginAsync(session, command.Tag, parts[1], parts[2], cancellationToken);
    }
}
