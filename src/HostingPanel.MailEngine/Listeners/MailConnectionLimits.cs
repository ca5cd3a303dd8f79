using System.Net;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// <c>Mail:Limits:*</c>: what one mail listener admits. Each listener (IMAP, IMAPS, POP3, POP3S, SMTP,
/// submission, submissions) counts its own connections; <c>Mail:{Listener}:Limits:PerAddress</c> and
/// <c>...:Total</c> override the two numbers for one listener.
/// </summary>
public sealed class MailConnectionLimits
{
    /// <summary>
    /// Connections at once from one client address (IPv6: one /64, what one subscriber is given).
    /// Postfix's <c>smtpd_client_connection_count_limit</c> is 50 as well.
    /// </summary>
    public int PerAddress { get; set; } = 50;

    /// <summary>Connections at once on one listener (Dovecot's <c>default_client_limit</c> is 1,000 too).</summary>
    public int Total { get; set; } = 1000;

    /// <summary>
    /// Longest silence from a client that has not logged in (IMAP, POP3, submission) or started a mail
    /// transaction (SMTP). Tens of seconds: long enough for a person typing, short enough that idle
    /// connections opened by the thousand go away on their own.
    /// </summary>
    public TimeSpan PreAuthTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Client networks the per-address limit does not apply to (the total still does). Unset: the
    /// loopback addresses 127.0.0.1 and ::1, from which the portal's own webmail connects (up to
    /// <c>Webmail:MaxConnectionsPerMailbox</c> per signed-in user). <c>none</c> exempts nobody.
    /// </summary>
    public List<string> ExemptNetworks { get; set; } = [];

    internal IReadOnlyList<IPNetwork> ParseExemptNetworks()
    {
        if (ExemptNetworks.Count == 0)
            return [new IPNetwork(IPAddress.Loopback, 32), new IPNetwork(IPAddress.IPv6Loopback, 128)];
        return IpNetworkList.Parse(ExemptNetworks, "Mail:Limits:ExemptNetworks");
    }
}

/// <summary><c>Mail:{Listener}:Limits:*</c>: one listener's own numbers, else <see cref="MailConnectionLimits"/>'s.</summary>
public sealed class ListenerLimitOverrides
{
    public int? PerAddress { get; set; }
    public int? Total { get; set; }
}
