namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks>
/// <code>
/// authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp]   ; initial-resp is RFC 4959 SASL-IR
/// initial-resp = base64 / "="
/// </code>
/// "=" is an empty initial response, distinct from none at all (null).
/// </remarks>
public sealed record ImapAuthenticateCommand(string Tag, string Mechanism, string? InitialResponse) : ImapCommand(Tag)
{
    public override string Name => "AUTHENTICATE";

    internal static ImapAuthenticateCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var mechanism = t.ReadKeyword("a SASL mechanism");
        string? initial = null;
        if (t.TryConsume(ImapBytes.Space))
        {
            initial = t.ReadRestOfLineAscii();
            if (initial.Length == 0 || (initial != "=" && !ImapBase64.IsValid(initial)))
            {
                throw new ImapParseException("Invalid base64 initial response.");
            }

            initial = initial == "=" ? string.Empty : initial;
        }

        t.ExpectEnd();
        return new ImapAuthenticateCommand(tag, mechanism, initial);
    }

    public override string ToString() => $"{Tag} AUTHENTICATE {Mechanism}{(InitialResponse is null ? string.Empty : " ***")}";
}
