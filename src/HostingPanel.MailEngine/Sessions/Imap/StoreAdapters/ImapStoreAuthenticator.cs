using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// IMAP login through the one <see cref="MailAuthenticator"/> shared with POP3 and SMTP (same
/// throttling per address and IP); disabled mailboxes and those with IMAP switched off are refused,
/// except for the portal's webmail (it proved itself with <see cref="WebmailTicket"/>), which any active mailbox keeps.
/// </summary>
public sealed class ImapStoreAuthenticator(MailAuthenticator authenticator, MailStore store, WebmailTicket webmail, Delivery.Rspamd.RspamdLearning learning) : IImapAuthenticator
{
    public async ValueTask<IImapAccount?> AuthenticateAsync(string userName, string password, ImapClientInfo client, CancellationToken cancellationToken)
    {
        var protocol = client.Webmail ? MailProtocol.Webmail : MailProtocol.Imap;
        var result = await authenticator.AuthenticateAsync(userName, password, client.RemoteEndPoint?.Address, protocol, cancellationToken);
        return result is { Succeeded: true, Account: { } account } ? new ImapStoreAccount(store, account.Id, account.Address, learning) : null;
    }

    public bool IsWebmailTicket(string? value) => webmail.Matches(value);
}
