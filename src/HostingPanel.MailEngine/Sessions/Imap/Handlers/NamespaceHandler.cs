using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>NAMESPACE (RFC 2342): one personal namespace, "" with "/" as separator; no shared or other users'.</summary>
internal static class NamespaceHandler
{
    public static ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.Writer.Untagged().Raw("NAMESPACE ((\"\" \"/\")) NIL NIL"u8).EndLine();
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "NAMESPACE completed.");
        return ValueTask.CompletedTask;
    }
}
