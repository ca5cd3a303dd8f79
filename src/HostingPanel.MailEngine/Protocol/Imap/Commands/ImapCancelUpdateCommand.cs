namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>CANCELUPDATE (RFC 5267 section 4.3): stop the updates of the searches run with these tags.</summary>
/// <remarks>
/// <code>
/// cancelupdate = "CANCELUPDATE" 1*(SP quoted)
/// </code>
/// Note: a literal is accepted as well as a quoted string (both are "string"); a client can send no
/// tag that a quoted string cannot hold, so nothing is lost by the leniency.
/// </remarks>
public sealed record ImapCancelUpdateCommand(string Tag, IReadOnlyList<string> SearchTags) : ImapCommand(Tag)
{
    public override string Name => "CANCELUPDATE";

    internal static ImapCancelUpdateCommand Parse(ImapTokenizer t, string tag)
    {
        var tags = new List<string>();
        do
        {
            t.ExpectSpace();
            tags.Add(t.ReadString("a search tag"));
        }
        while (!t.AtEnd);

        return new ImapCancelUpdateCommand(tag, tags);
    }
}
