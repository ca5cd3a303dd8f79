namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks><code>rename = "RENAME" SP mailbox SP mailbox</code></remarks>
public sealed record ImapRenameCommand(string Tag, string From, string To) : ImapCommand(Tag)
{
    public override string Name => "RENAME";

    internal static ImapRenameCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var from = ImapMailbox.Read(t);
        t.ExpectSpace();
        var to = ImapMailbox.Read(t);
        t.ExpectEnd();
        return new ImapRenameCommand(tag, from, to);
    }
}
