using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>SUBSCRIBE and UNSUBSCRIBE (RFC 9051 6.3.7-8).</summary>
internal static class SubscribeHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        if (!session.TryMailboxName(command.Tag, ((ImapMailboxCommand)command).Mailbox, out var name))
        {
            return;
        }

        var result = await session.Account!.SetSubscribedAsync(name, command.Name == "SUBSCRIBE", cancellationToken);
        if (!result.Success)
        {
            session.WriteStoreError(command.Tag, result, "Cannot change subscription.");
            return;
        }

        session.Writer.Tagged(command.Tag, ImapStatus.Ok, command.Name + " completed.");
    }
}
