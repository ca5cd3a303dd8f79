namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// What the SMTP sessions use to keep mail trusted on both sides: SRS for what they forward, the outbound abuse
/// limits for what they accept on submission, the hourly limit on outside addresses reached through a tenant's
/// aliases and forwards, and rspamd for what arrives on the MX port. One bundle, so the listeners' constructor does
/// not grow with every policy.
/// </summary>
public sealed record SmtpDeliverability(Outbound.Srs.SrsRewriter Srs, Outbound.Limits.SendLimiter Limits, Delivery.ExternalExpansionLimiter Expansion,
    Delivery.Rspamd.RspamdClient Rspamd);
