namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// Bounds every IMAP input is read under. Each one is enforced while reading, before the bytes
/// are buffered, so a hostile client can never make the server hold more than these.
/// </summary>
public sealed record ImapLimits
{
    /// <summary>One line of a command (between literals), without CRLF. RFC 7162 section 4 asks for at least 8192.</summary>
    public int MaxLineLength { get; init; } = 64 * 1024;

    /// <summary>One literal; also the largest message APPEND takes.</summary>
    public long MaxLiteralSize { get; init; } = 50L * 1024 * 1024;

    /// <summary>A whole command: every line and literal together (several APPENDed messages count together).</summary>
    public long MaxCommandSize { get; init; } = 100L * 1024 * 1024;

    /// <summary>
    /// How many bytes of refused non-synchronizing literals the reader swallows before it gives up on the
    /// connection; past it the session should say BYE rather than read a client's gigabytes to nowhere.
    /// </summary>
    public long MaxDiscardSize { get; init; } = 100L * 1024 * 1024;

    /// <summary>Parenthesized lists, and NOT/OR search keys, nested deeper than this are a BAD.</summary>
    public int MaxNestingDepth { get; init; } = 32;

    /// <summary>Literals in one command (MULTIAPPEND messages, strings).</summary>
    public int MaxLiteralsPerCommand { get; init; } = 1000;

    public static ImapLimits Default { get; } = new();
}
