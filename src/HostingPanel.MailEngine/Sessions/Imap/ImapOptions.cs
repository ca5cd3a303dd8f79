namespace HostingPanel.MailEngine.Sessions.Imap;

public sealed class ImapOptions
{
    /// <summary>Autologout of an authenticated session silent between commands (RFC 9051 5.4: at least 30 minutes).</summary>
    public TimeSpan AutologoutTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Longest IDLE before the server ends it with BYE (RFC 2177: clients re-issue IDLE within 29 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
}
