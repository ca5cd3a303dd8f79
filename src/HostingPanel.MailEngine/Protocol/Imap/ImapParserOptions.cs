namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>What the session has enabled that changes the grammar.</summary>
/// <param name="Utf8Enabled">UTF8=ACCEPT or IMAP4rev2 is enabled: quoted strings may carry UTF-8.</param>
public sealed record ImapParserOptions(bool Utf8Enabled = false)
{
    public ImapLimits Limits { get; init; } = ImapLimits.Default;

    public static ImapParserOptions Default { get; } = new();
}
