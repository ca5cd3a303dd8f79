using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Sessions.Imap;

namespace HostingPanel.MailEngine.Storage.Imap;

/// <summary>
/// IMAP login through the one <see cref="MailAuthenticator"/> shared with POP3 and SMTP (same
/// throttling per address and IP); disabled mailboxes and those with IMAP switched off are refused.
/// </summary>
public sealed class ImapStoreAuthenticator(MailAuthenticator authenticator, MailStore store) : IImapAuthenticator
{
    public async ValueTask<IImapAccount?> AuthenticateAsync(string userName, string password, ImapClientInfo client, CancellationToken cancellationToken)
    {
        var result = await authenticator.AuthenticateAsync(userName, password, client.RemoteEndPoint?.Address, MailProtocol.Imap, cancellationToken);
        return result is { Succeeded: true, Account: { } account } ? new ImapStoreAccount(store, account.Id, account.Address) : null;
    }
}
