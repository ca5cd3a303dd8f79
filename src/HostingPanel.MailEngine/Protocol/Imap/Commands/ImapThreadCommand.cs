namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

public enum ImapThreadAlgorithm
{
    OrderedSubject,
    References,
}

/// <remarks>
/// <code>
/// thread     = ["UID" SP] "THREAD" SP thread-alg SP search-charset 1*(SP search-key)   ; RFC 5256
/// thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext
/// </code>
/// </remarks>
public sealed record ImapThreadCommand(string Tag, bool Uid, ImapThreadAlgorithm Algorithm, string Charset, ImapSearchKey Key) : ImapCommand(Tag)
{
    public override string Name => "THREAD";

    internal static ImapThreadCommand Parse(ImapTokenizer t, string tag, bool uid)
    {
        t.ExpectSpace();
        var algorithm = t.ReadKeyword("a thread algorithm") switch
        {
            "ORDEREDSUBJECT" => ImapThreadAlgorithm.OrderedSubject,
            "REFERENCES" => ImapThreadAlgorithm.References,
            var other => throw new ImapParseException("Unknown thread algorithm " + other + "."),
        };
        t.ExpectSpace();
        var charset = t.ReadAString("a charset");
        t.ExpectSpace();
        var key = ImapSearchParser.ParseProgram(t, charset);
        return new ImapThreadCommand(tag, uid, algorithm, charset, key);
    }
}
