namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

internal static class ImapMailbox
{
    /// <remarks>
    /// <code>mailbox = "INBOX" / astring</code>
    /// "INBOX" in any case means the INBOX: it comes back spelled "INBOX". The name stays in wire
    /// form (modified UTF-7, or UTF-8 after UTF8=ACCEPT); the session decodes and validates it
    /// with <see cref="ImapMailboxName"/>.
    /// </remarks>
    public static string Read(ImapTokenizer t)
    {
        var name = t.ReadAString("a mailbox name");
        return string.Equals(name, "INBOX", StringComparison.OrdinalIgnoreCase) ? "INBOX" : name;
    }
}

/// <summary>
/// DELETE, SUBSCRIBE and UNSUBSCRIBE: a command whose only argument is a mailbox.
/// </summary>
/// <remarks>
/// <code>
/// delete      = "DELETE" SP mailbox
/// subscribe   = "SUBSCRIBE" SP mailbox
/// unsubscribe = "UNSUBSCRIBE" SP mailbox
/// getquotaroot = "GETQUOTAROOT" SP mailbox     ; RFC 9208
/// </code>
/// </remarks>
public sealed record ImapMailboxCommand(string Tag, string CommandName, string Mailbox) : ImapCommand(Tag)
{
    public override string Name => CommandName;

    internal static ImapMailboxCommand Parse(ImapTokenizer t, string tag, string name)
    {
        t.ExpectSpace();
        var mailbox = ImapMailbox.Read(t);
        t.ExpectEnd();
        return new ImapMailboxCommand(tag, name, mailbox);
    }
}
