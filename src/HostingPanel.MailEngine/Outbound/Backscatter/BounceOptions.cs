namespace HostingPanel.MailEngine.Outbound.Backscatter;

/// <summary><c>Mail:Bounces</c>: who gets delivery status notifications for mail from the Internet.</summary>
public sealed class BounceOptions
{
    public const string SectionName = "Mail:Bounces";

    /// <summary>
    /// <c>Mail:Bounces:RequireVerifiedSender</c> (default true): a DSN for mail that came in on the MX port goes only to a
    /// sender whose SPF passes or whose DKIM signature aligns (<see cref="SenderVerifier"/>). False sends one to every
    /// sender, as before; only for an installation whose MX port hears trusted clients alone.
    /// </summary>
    public bool RequireVerifiedSender { get; set; } = true;
}
