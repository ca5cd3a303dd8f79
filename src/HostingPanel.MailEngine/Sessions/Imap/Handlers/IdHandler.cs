using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>
/// ID (RFC 2971): the server names itself. What the client sends is ignored, with one exception: before login the
/// portal's webmail proves itself with the webmail ticket, so that its login counts as webmail (allowed where IMAP is
/// switched off for mail programs). A wrong ticket changes nothing and is not told apart from any other ID.
/// </summary>
internal static class IdHandler
{
    public static ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        if (session.State is ImapNotAuthenticatedState && command is ImapIdCommand { Parameters: { } parameters })
        {
            foreach (var (field, value) in parameters)
                if (string.Equals(field, Auth.WebmailTicket.IdField, StringComparison.OrdinalIgnoreCase) && session.Authenticator.IsWebmailTicket(value))
                    session.Client = session.Client with { Webmail = true };
        }
        session.Writer.Untagged().Raw("ID (\"name\" \"HostingPanel\")"u8).EndLine();
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "ID completed.");
        return ValueTask.CompletedTask;
    }
}
