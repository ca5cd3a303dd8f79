namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks>
/// <code>
/// enable     = "ENABLE" 1*(SP capability)     ; RFC 5161
/// capability = ("AUTH=" auth-type) / atom
/// </code>
/// </remarks>
public sealed record ImapEnableCommand(string Tag, IReadOnlyList<string> Capabilities) : ImapCommand(Tag)
{
    public override string Name => "ENABLE";

    internal static ImapEnableCommand Parse(ImapTokenizer t, string tag)
    {
        var capabilities = new List<string>();
        do
        {
            t.ExpectSpace();
            capabilities.Add(t.ReadKeyword("a capability"));
        }
        while (!t.AtEnd);

        return new ImapEnableCommand(tag, capabilities);
    }
}
