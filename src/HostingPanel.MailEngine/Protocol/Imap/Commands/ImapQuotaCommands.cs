namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks>
/// <code>
/// getquota   = "GETQUOTA" SP quota-root-name        ; RFC 9208
/// quota-root-name = astring
/// </code>
/// </remarks>
public sealed record ImapGetQuotaCommand(string Tag, string Root) : ImapCommand(Tag)
{
    public override string Name => "GETQUOTA";

    internal static ImapGetQuotaCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var root = t.ReadAString("a quota root");
        t.ExpectEnd();
        return new ImapGetQuotaCommand(tag, root);
    }
}

/// <remarks>
/// <code>
/// setquota          = "SETQUOTA" SP quota-root-name SP setquota-list       ; RFC 9208
/// setquota-list     = "(" [setquota-resource *(SP setquota-resource)] ")"
/// setquota-resource = resource-name SP resource-limit
/// resource-limit    = number64
/// </code>
/// </remarks>
public sealed record ImapSetQuotaCommand(string Tag, string Root, IReadOnlyList<KeyValuePair<string, ulong>> Limits) : ImapCommand(Tag)
{
    public override string Name => "SETQUOTA";

    internal static ImapSetQuotaCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var root = t.ReadAString("a quota root");
        t.ExpectSpace();
        t.Expect(ImapBytes.OpenParen, "'(' starting quota limits");
        var limits = new List<KeyValuePair<string, ulong>>();
        if (!t.TryConsume(ImapBytes.CloseParen))
        {
            do
            {
                var resource = t.ReadKeyword("a resource name");
                t.ExpectSpace();
                limits.Add(new(resource, t.ReadNumber64("a resource limit")));
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing quota limits");
        }

        t.ExpectEnd();
        return new ImapSetQuotaCommand(tag, root, limits);
    }
}
