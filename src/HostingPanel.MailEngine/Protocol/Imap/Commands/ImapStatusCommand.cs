namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

public enum ImapStatusItem
{
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    Deleted,
    Size,
    HighestModSeq,
}

/// <remarks>
/// <code>
/// status     = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
/// status-att = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "DELETED" / "SIZE" / "RECENT"
///            / "HIGHESTMODSEQ"                                     ; RFC 7162
/// </code>
/// </remarks>
public sealed record ImapStatusCommand(string Tag, string Mailbox, IReadOnlyList<ImapStatusItem> Items) : ImapCommand(Tag)
{
    public override string Name => "STATUS";

    internal static ImapStatusCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var mailbox = ImapMailbox.Read(t);
        t.ExpectSpace();
        var items = ParseItems(t);
        t.ExpectEnd();
        return new ImapStatusCommand(tag, mailbox, items);
    }

    internal static IReadOnlyList<ImapStatusItem> ParseItems(ImapTokenizer t)
    {
        t.Expect(ImapBytes.OpenParen, "'(' starting status items");
        var items = new List<ImapStatusItem>();
        do
        {
            var item = t.ReadKeyword("a status item") switch
            {
                "MESSAGES" => ImapStatusItem.Messages,
                "RECENT" => ImapStatusItem.Recent,
                "UIDNEXT" => ImapStatusItem.UidNext,
                "UIDVALIDITY" => ImapStatusItem.UidValidity,
                "UNSEEN" => ImapStatusItem.Unseen,
                "DELETED" => ImapStatusItem.Deleted,
                "SIZE" => ImapStatusItem.Size,
                "HIGHESTMODSEQ" => ImapStatusItem.HighestModSeq,
                var other => throw new ImapParseException("Unknown status item " + other + "."),
            };
            if (!items.Contains(item))
            {
                items.Add(item);
            }
        }
        while (t.TryConsume(ImapBytes.Space));

        t.Expect(ImapBytes.CloseParen, "')' closing status items");
        return items;
    }
}
