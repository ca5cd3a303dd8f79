namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>COPY, or MOVE (RFC 6851) when <see cref="IsMove"/>; UID variants when <see cref="Uid"/>.</summary>
/// <remarks>
/// <code>
/// copy = "COPY" SP sequence-set SP mailbox
/// move = "MOVE" SP sequence-set SP mailbox
/// uid  = "UID" SP (copy / move / fetch / search / store / uid-expunge)
/// </code>
/// </remarks>
public sealed record ImapCopyCommand(string Tag, bool Uid, bool IsMove, ImapSequenceSet Set, string Mailbox) : ImapCommand(Tag)
{
    public override string Name => IsMove ? "MOVE" : "COPY";

    internal static ImapCopyCommand Parse(ImapTokenizer t, string tag, bool uid, bool move)
    {
        t.ExpectSpace();
        var set = t.ReadSequenceSet();
        t.ExpectSpace();
        var mailbox = ImapMailbox.Read(t);
        t.ExpectEnd();
        return new ImapCopyCommand(tag, uid, move, set, mailbox);
    }
}
