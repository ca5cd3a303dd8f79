namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary><c>Mail:SmtpLimits:*</c>: limits of the SMTP and submission listeners.</summary>
public sealed class SmtpLimitsOptions
{
    public const string SectionName = "Mail:SmtpLimits";

    /// <summary>Announced as SIZE and enforced while DATA is read (the connection is cut past it).</summary>
    public int MaxMessageSize { get; set; } = 25 * 1024 * 1024;

    public int MaxRecipients { get; set; } = 100;

    /// <summary>Longest command line outside DATA; a longer one ends the session with 500 5.5.6.</summary>
    public int MaxCommandLineLength { get; set; } = 4096;

    /// <summary>Consecutive failed commands after which the session ends.</summary>
    public int MaxErrors { get; set; } = 10;

    public int MaxAuthenticationAttempts { get; set; } = 3;

    /// <summary>Longest wait for the next command line (RFC 5321 section 4.5.3.2 suggests at least 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest life of one connection, however busy (SmtpServer's SessionTimeout is absolute).</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>More Received headers than this is taken for a mail loop (RFC 5321 section 6.3).</summary>
    public int MaxReceivedHeaders { get; set; } = 50;

    /// <summary>
    /// <c>Mail:SmtpLimits:MaxExpandedExternalRecipients</c>: outside addresses one message may reach through aliases and
    /// forwards (not the ones a user addressed directly). Past it the message is refused with 550 5.5.3, so one message
    /// to an alias of 10,000 outside addresses cannot make this server a mail cannon.
    /// </summary>
    public int MaxExpandedExternalRecipients { get; set; } = 50;

    /// <summary>
    /// <c>Mail:SmtpLimits:ExpandedExternalPerTenantPerHour</c>: outside addresses all of a tenant's aliases and forwards
    /// may reach in any hour (per mail node); past it messages are deferred with 451 4.7.1 and the sender retries. 0: no limit.
    /// </summary>
    public int ExpandedExternalPerTenantPerHour { get; set; } = 1000;
}

/// <summary>Which listener a session came in on.</summary>
public enum SmtpListenerKind
{
    /// <summary>Inbound from the internet (MX): hosted domains only, no AUTH.</summary>
    Mx,
    /// <summary>Authenticated submission: AUTH required, sender must be owned, any destination.</summary>
    Submission,
}
