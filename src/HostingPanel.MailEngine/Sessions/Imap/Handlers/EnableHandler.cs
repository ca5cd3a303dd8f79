using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>ENABLE (RFC 5161): CONDSTORE, QRESYNC (which implies CONDSTORE), UTF8=ACCEPT, IMAP4rev2.</summary>
internal static class EnableHandler
{
    public static ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var enabled = new List<string>();
        foreach (var capability in ((ImapEnableCommand)command).Capabilities)
        {
            switch (capability)
            {
                case "CONDSTORE":
                    session.CondStoreEnabled = true;
                    enabled.Add(capability);
                    break;
                case "QRESYNC":
                    session.CondStoreEnabled = true;
                    session.QresyncEnabled = true;
                    enabled.Add(capability);
                    break;
                case "UTF8=ACCEPT":
                    session.Utf8Enabled = true;
                    session.Writer.Utf8Enabled = true;
                    enabled.Add(capability);
                    break;
                case "IMAP4REV2":
                    session.Rev2Enabled = true;
                    session.Utf8Enabled = true;
                    session.Writer.Utf8Enabled = true;
                    enabled.Add("IMAP4rev2");
                    break;
            }
        }

        session.Writer.Untagged().Atom("ENABLED");
        foreach (var name in enabled)
        {
            session.Writer.Space().Atom(name);
        }

        session.Writer.EndLine();
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "ENABLE completed.");
        return ValueTask.CompletedTask;
    }
}
