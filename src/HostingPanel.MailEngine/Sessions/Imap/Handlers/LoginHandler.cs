using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>LOGIN (RFC 9051 6.2.3); refused without TLS unless plaintext auth is allowed (LOGINDISABLED).</summary>
internal static class LoginHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var login = (ImapLoginCommand)command;
        await LoginAsync(session, command.Tag, login.UserName, login.Password, cancellationToken);
    }

    internal static async ValueTask LoginAsync(ImapSession session, string tag, string user, string password, CancellationToken cancellationToken)
    {
        if (!session.PlaintextAuthAllowed)
        {
            session.Writer.Tagged(tag, ImapStatus.No, "Use TLS (STARTTLS) before logging in.", ImapResponseCode.PrivacyRequired);
            return;
        }

        var account = await session.Authenticator.AuthenticateAsync(user, password, session.Client, cancellationToken);
        if (account is null)
        {
            session.Writer.Tagged(tag, ImapStatus.No, "Invalid credentials.", ImapResponseCode.AuthenticationFailed);
            return;
        }

        session.State = new ImapAuthenticatedState(account);
        session.Writer.Tagged(tag, ImapStatus.Ok, "Logged in.", ImapResponseCode.Capability(session.Capabilities));
    }
}
