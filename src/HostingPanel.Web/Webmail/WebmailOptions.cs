namespace HostingPanel.Web.Webmail;

/// <summary>The <c>Webmail:*</c> settings.</summary>
public sealed class WebmailOptions
{
    public const string SectionName = "Webmail";

    /// <summary>Pooled IMAP connections per signed-in mailbox (the new-mail watcher holds one of them).</summary>
    public int MaxConnectionsPerMailbox { get; set; } = 4;

    /// <summary>An unused pooled connection is logged out after this long.</summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often idle connections are looked for.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A webmail session (and the password it keeps) ends after this long without a request.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Longest IDLE before the watcher re-issues it (RFC 2177 asks for less than 29 minutes).</summary>
    public TimeSpan IdleWindow { get; set; } = TimeSpan.FromSeconds(25);

    public int PageSize { get; set; } = 50;

    /// <summary>Largest attachment total per message written in the browser.</summary>
    public long MaxAttachmentBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Memory for sanitized message HTML kept between views (<see cref="SanitizedHtmlCache"/>); 0 turns the cache off.</summary>
    public int HtmlCacheMegabytes { get; set; } = 64;

    /// <summary>Webmail requests one mailbox may have running at once; beyond it 429 (<see cref="WebmailRequestSlots"/>).</summary>
    public int MaxConcurrentRequestsPerMailbox { get; set; } = 6;
}
