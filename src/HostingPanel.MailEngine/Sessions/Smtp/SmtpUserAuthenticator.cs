using System.Net;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Protocol.Smtp;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.Authentication;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>SMTP AUTH PLAIN/LOGIN through the shared <see cref="MailAuthenticator"/> (throttling, cache).</summary>
internal sealed class SmtpUserAuthenticator(MailAuthenticator authenticator, MailEngineOptions options, MailboxChangeNotifier changes, ILogger logger) : IUserAuthenticator
{
    /// <summary>AUTH only over TLS, or from loopback when Mail:AllowPlaintextAuth is set (docs/contract.md section 5).</summary>
    public bool IsAuthAllowed(ISessionContext context) =>
        context.Pipe is { IsSecure: true } || (options.AllowPlaintextAuth && IPAddress.IsLoopback(context.RemoteAddress()));

    public async Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken)
    {
        if (!IsAuthAllowed(context))
        {
            logger.LogWarning("SMTP AUTH refused without TLS from {Remote}", context.RemoteAddress());
            return false;
        }
        AuthResult result;
        try
        {
            result = await authenticator.AuthenticateAsync(user, password, context.RemoteAddress(), MailProtocol.Smtp, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "SMTP AUTH check failed");
            return false;
        }
        if (!result.Succeeded)
        {
            logger.LogInformation("SMTP AUTH failed for {User}: {Failure}", SmtpText.Escape(user, 100), result.Failure);
            return false;
        }
        context.SetAccount(result.Account!);
        // A new password, a suspension or a removal ends this session as it ends IMAP and POP3 ones.
        if (context.Pipe is SmtpSecurablePipe pipe)
        {
            pipe.EndOnRevocation(changes.Subscribe(result.Account!.Id, change =>
            {
                if (change.Kind == MailboxChangeKind.CredentialsChanged)
                {
                    logger.LogInformation("SMTP session of {User} ended: its credentials changed", SmtpText.Escape(user, 100));
                    pipe.EndNow();
                }
            }));
        }
        return true;
    }
}
