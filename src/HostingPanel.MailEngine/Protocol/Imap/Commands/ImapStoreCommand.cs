namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

public enum ImapStoreMode
{
    Replace,
    Add,
    Remove,
}

/// <remarks>
/// <code>
/// store           = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
/// store-modifiers = SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"          ; RFC 7162
/// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
/// </code>
/// </remarks>
public sealed record ImapStoreCommand(
    string Tag,
    bool Uid,
    ImapSequenceSet Set,
    ulong? UnchangedSince,
    ImapStoreMode Mode,
    bool Silent,
    IReadOnlyList<string> Flags) : ImapCommand(Tag)
{
    public override string Name => "STORE";

    internal static ImapStoreCommand Parse(ImapTokenizer t, string tag, bool uid)
    {
        t.ExpectSpace();
        var set = t.ReadSequenceSet();
        t.ExpectSpace();
        ulong? unchangedSince = null;
        if (t.TryConsume(ImapBytes.OpenParen))
        {
            if (!t.TryConsumeKeyword("UNCHANGEDSINCE"))
            {
                throw new ImapParseException("Unknown STORE modifier.");
            }

            t.ExpectSpace();
            unchangedSince = t.ReadNumber64("a mod-sequence");
            t.Expect(ImapBytes.CloseParen, "')' closing STORE modifiers");
            t.ExpectSpace();
        }

        var mode = ImapStoreMode.Replace;
        if (t.TryConsume(ImapBytes.Plus))
        {
            mode = ImapStoreMode.Add;
        }
        else if (t.TryConsume(ImapBytes.Minus))
        {
            mode = ImapStoreMode.Remove;
        }

        var item = t.ReadKeyword("FLAGS or FLAGS.SILENT");
        var silent = item switch
        {
            "FLAGS" => false,
            "FLAGS.SILENT" => true,
            _ => throw new ImapParseException("Expected FLAGS or FLAGS.SILENT."),
        };
        t.ExpectSpace();
        IReadOnlyList<string> flags;
        if (t.Peek() == ImapBytes.OpenParen)
        {
            flags = t.ReadFlagList();
        }
        else
        {
            var list = new List<string>();
            do
            {
                list.Add(t.ReadFlag());
            }
            while (t.TryConsume(ImapBytes.Space));

            flags = list;
        }

        if (flags.Contains(ImapFlags.Recent))
        {
            throw new ImapParseException("\\Recent cannot be stored.");
        }

        t.ExpectEnd();
        return new ImapStoreCommand(tag, uid, set, unchangedSince, mode, silent, flags);
    }
}
