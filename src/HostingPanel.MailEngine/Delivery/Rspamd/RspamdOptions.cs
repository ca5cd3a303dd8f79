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

    /// <summary>
    /// rspamd's controller worker, which takes <c>/learnspam</c> and <c>/learnham</c> (port 11334 in Debian's
    /// configuration); unset: <see cref="Url"/> (right when both workers share one socket).
    /// </summary>
    public string? ControllerUrl { get; set; }

    /// <summary>
    /// Messages one mailbox may teach rspamd per hour by moving them into Junk or out of it; past it moves still work but
    /// teach nothing. A hostile user moving thousands of messages to and fro can neither poison the shared Bayes data
    /// much nor keep the filter busy. 0 turns learning off.
    /// </summary>
    public int LearnPerMailboxPerHour { get; set; } = 100;

    /// <summary>Learn requests waiting for rspamd on this node; past it new ones are dropped (and counted), never queued without bound.</summary>
    public int LearnQueueCapacity { get; set; } = 1000;
}
