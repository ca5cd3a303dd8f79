namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>QRESYNC's SELECT parameter (RFC 7162 section 3.2.5).</summary>
public sealed record ImapQresyncParameters(
    uint UidValidity,
    ulong ModSeq,
    ImapSequenceSet? KnownUids,
    ImapSequenceSet? KnownSequenceNumbers,
    ImapSequenceSet? KnownSequenceUids);

/// <summary>SELECT, or EXAMINE when <see cref="ReadOnly"/>.</summary>
/// <remarks>
/// <code>
/// select        = "SELECT" SP mailbox [select-params]
/// examine       = "EXAMINE" SP mailbox [select-params]
/// select-params = SP "(" select-param *(SP select-param) ")"        ; RFC 4466
/// select-param  = "CONDSTORE"                                          ; RFC 7162
///               / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
/// seq-match-data = "(" known-sequence-set SP known-uid-set ")"
/// </code>
/// </remarks>
public sealed record ImapSelectCommand(string Tag, bool ReadOnly, string Mailbox, bool CondStore, ImapQresyncParameters? Qresync) : ImapCommand(Tag)
{
    public override string Name => ReadOnly ? "EXAMINE" : "SELECT";

    internal static ImapSelectCommand Parse(ImapTokenizer t, string tag, bool readOnly)
    {
        t.ExpectSpace();
        var mailbox = ImapMailbox.Read(t);
        var condStore = false;
        ImapQresyncParameters? qresync = null;
        if (t.TryConsume(ImapBytes.Space))
        {
            t.Expect(ImapBytes.OpenParen, "'(' starting SELECT parameters");
            do
            {
                var name = t.ReadKeyword("a SELECT parameter");
                switch (name)
                {
                    case "CONDSTORE":
                        condStore = true;
                        break;
                    case "QRESYNC":
                        t.ExpectSpace();
                        qresync = ParseQresync(t);
                        break;
                    default:
                        throw new ImapParseException("Unknown SELECT parameter " + name + ".");
                }
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing SELECT parameters");
        }

        t.ExpectEnd();
        return new ImapSelectCommand(tag, readOnly, mailbox, condStore, qresync);
    }

    private static ImapQresyncParameters ParseQresync(ImapTokenizer t)
    {
        t.Expect(ImapBytes.OpenParen, "'(' starting QRESYNC parameters");
        var uidValidity = t.ReadNzNumber("a UIDVALIDITY");
        t.ExpectSpace();
        var modSeq = t.ReadNumber64("a mod-sequence");
        ImapSequenceSet? knownUids = null;
        ImapSequenceSet? knownSeq = null;
        ImapSequenceSet? knownSeqUids = null;
        if (t.TryConsume(ImapBytes.Space))
        {
            if (t.Peek() != ImapBytes.OpenParen)
            {
                knownUids = t.ReadSequenceSet();
                if (!t.TryConsume(ImapBytes.Space))
                {
                    t.Expect(ImapBytes.CloseParen, "')' closing QRESYNC parameters");
                    return new ImapQresyncParameters(uidValidity, modSeq, knownUids, null, null);
                }
            }

            t.Expect(ImapBytes.OpenParen, "'(' starting sequence match data");
            knownSeq = t.ReadSequenceSet();
            t.ExpectSpace();
            knownSeqUids = t.ReadSequenceSet();
            t.Expect(ImapBytes.CloseParen, "')' closing sequence match data");
        }

        t.Expect(ImapBytes.CloseParen, "')' closing QRESYNC parameters");
        return new ImapQresyncParameters(uidValidity, modSeq, knownUids, knownSeq, knownSeqUids);
    }
}
