using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>CAPABILITY (RFC 9051 6.1.1): what this state offers.</summary>
internal static class CapabilityHandler
{
    public static ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.Writer.Untagged().Atom("CAPABILITY");
        foreach (var capability in session.Capabilities)
        {
            session.Writer.Space().Atom(capability);
        }

        session.Writer.EndLine();
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "CAPABILITY completed.");
        return ValueTask.CompletedTask;
    }
}
