namespace HostingPanel.MailEngine.Protocol.Pop3;

public enum Pop3Verb
{
    User,
    Pass,
    Auth,
    Stls,
    Capa,
    Stat,
    List,
    Retr,
    Dele,
    Noop,
    Rset,
    Quit,
    Top,
    Uidl,
}

/// <summary>A parsed POP3 command. Message numbers are 1-based as on the wire; 0 means "not given".</summary>
public sealed record Pop3Command(Pop3Verb Verb, string Text = "", int Message = 0, int Lines = 0, string? Mechanism = null, string? InitialResponse = null);

/// <summary>Result of <see cref="Pop3CommandParser.Parse"/>: a command, or the reason it was refused.</summary>
public readonly record struct Pop3ParseResult(Pop3Command? Command, string? Error)
{
    public static Pop3ParseResult Ok(Pop3Command c) => new(c, null);
    public static Pop3ParseResult Fail(string reason) => new(null, reason);
}
