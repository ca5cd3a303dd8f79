using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>CANCELUPDATE (RFC 5267 section 4.3): the named live searches send no more ADDTO/REMOVEFROM.</summary>
internal static class CancelUpdateHandler
{
    public static ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var cancel = (ImapCancelUpdateCommand)command;
        var updates = session.Selected!.SearchUpdates;
        // A tag that names no live search is the client's mistake (BAD, as Dovecot answers); the ones before it stay cancelled.
        foreach (var tag in cancel.SearchTags)
        {
            if (!updates.Remove(tag))
            {
                session.Writer.Tagged(command.Tag, ImapStatus.Bad, "Unknown search tag.");
                return ValueTask.CompletedTask;
            }
        }

        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "Updates cancelled.");
        return ValueTask.CompletedTask;
    }
}
