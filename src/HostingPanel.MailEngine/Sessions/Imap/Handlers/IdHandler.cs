using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>ID (RFC 2971): the server names itself; what the client sent is not needed.</summary>
internal static class IdHandler
{
    public static ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.Writer.Untagged().Raw("ID (\"name\" \"HostingPanel\")"u8).EndLine();
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "ID completed.");
        return ValueTask.CompletedTask;
    }
}
