namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>A parsed IMAP command: its tag and its upper-case name ("FETCH", "UID FETCH" is FETCH with Uid set).</summary>
public abstract record ImapCommand(string Tag)
{
    public abstract string Name { get; }
}

/// <summary>
/// A command without arguments: CAPABILITY, NOOP, LOGOUT, STARTTLS, IDLE, NAMESPACE, UNSELECT,
/// CLOSE, CHECK.
/// </summary>
/// <remarks>
/// <code>
/// command-any    = "CAPABILITY" / "LOGOUT" / "NOOP"
/// command-nonauth =/ "STARTTLS"
/// command-auth   =/ "IDLE" / "NAMESPACE"                ; RFC 2177, RFC 2342
/// command-select =/ "CHECK" / "CLOSE" / "UNSELECT"       ; RFC 3691
/// </code>
/// </remarks>
public sealed record ImapSimpleCommand(string Tag, string CommandName) : ImapCommand(Tag)
{
    public override string Name => CommandName;
}

/// <summary>What the parser made of one framed command.</summary>
public sealed record ImapParseResult(string Tag, ImapCommand? Command, ImapStatus ErrorStatus, string? ErrorCode, string? Error)
{
    public bool Success => Command is not null;
}
