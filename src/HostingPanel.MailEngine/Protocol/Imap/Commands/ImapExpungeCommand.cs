namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>EXPUNGE, or UID EXPUNGE (RFC 4315 UIDPLUS) when <see cref="Uids"/> is set.</summary>
/// <remarks>
/// <code>
/// expunge     = "EXPUNGE"
/// uid-expunge = "UID" SP "EXPUNGE" SP sequence-set
/// </code>
/// </remarks>
public sealed record ImapExpungeCommand(string Tag, ImapSequenceSet? Uids) : ImapCommand(Tag)
{
    public override string Name => "EXPUNGE";

    internal static ImapExpungeCommand Parse(ImapTokenizer t, string tag, bool uid)
    {
        ImapSequenceSet? set = null;
        if (uid)
        {
            t.ExpectSpace();
            set = t.ReadSequenceSet();
        }

        t.ExpectEnd();
        return new ImapExpungeCommand(tag, set);
    }
}
