namespace HostingPanel.MailEngine.Delivery.Rspamd;

/// <summary><c>Mail:Rspamd:*</c>: inbound filtering through rspamd's HTTP protocol. Without a URL nothing is filtered.</summary>
public sealed class RspamdOptions
{
    public const string SectionName = "Mail:Rspamd";

    /// <summary>rspamd's normal (or controller) worker, e.g. <c>http://127.0.0.1:11333</c>; unset: no filtering.</summary>
    public string? Url { get; set; }

    /// <summary>Sent as rspamd's <c>Password</c> header when its worker asks for one.</summary>
    public string? Password { get; set; }

    /// <summary>Longest wait for a verdict; past it the message is accepted unfiltered (fail open).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
