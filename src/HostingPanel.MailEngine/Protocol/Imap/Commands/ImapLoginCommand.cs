namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks>
/// <code>
/// login    = "LOGIN" SP userid SP password
/// userid   = astring
/// password = astring
/// </code>
/// </remarks>
public sealed record ImapLoginCommand(string Tag, string UserName, string Password) : ImapCommand(Tag)
{
    public override string Name => "LOGIN";

    internal static ImapLoginCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var user = t.ReadAString("a user name");
        t.ExpectSpace();
        var password = t.ReadAString("a password");
        t.ExpectEnd();
        return new ImapLoginCommand(tag, user, password);
    }

    public override string ToString() => $"{Tag} LOGIN {UserName} ***";
}
