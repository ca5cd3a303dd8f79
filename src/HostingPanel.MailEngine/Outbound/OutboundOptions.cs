namespace HostingPanel.MailEngine.Outbound;

/// <summary><c>Mail:Relay:*</c>: where outbound mail goes. Without a host, straight to each domain's MX.</summary>
public sealed class RelayOptions
{
    public const string SectionName = "Mail:Relay";

    /// <summary>Smarthost; unset means direct delivery by MX lookup.</summary>
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string? Username { get; set; }
    public string? Password { get; set; }

    /// <summary>Auto (STARTTLS when offered), None, StartTls (required) or Tls (implicit).</summary>
    public RelaySecurity Security { get; set; } = RelaySecurity.Auto;

    /// <summary>Accept any smarthost certificate (self-signed relays). Direct MX delivery always does (opportunistic TLS).</summary>
    public bool AcceptAnyCertificate { get; set; }

    /// <summary>Port of MX hosts (25; tests point it at a local listener).</summary>
    public int MxPort { get; set; } = 25;

    /// <summary>DNS servers for MX lookups ("ip" or "ip:port"); empty uses the system resolver.</summary>
    public List<string> DnsServers { get; set; } = [];

    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// PEM file of extra root certificates trusted for next hops and MTA-STS policy servers, on top of the system's
    /// (a private CA); unset: the system's only.
    /// </summary>
    public string? TrustedRootsPath { get; set; }

    /// <summary>Honour the MTA-STS policies (RFC 8461) of destination domains in direct MX delivery.</summary>
    public bool MtaSts { get; set; } = true;

    /// <summary>
    /// Verify MX hosts by DANE (RFC 7672) where the destination's DNS is DNSSEC-signed and publishes TLSA records;
    /// validation starts from <c>Dns:TrustAnchors</c>. Applied only when the resolvers serve DNSSEC (see DnssecResolver).
    /// </summary>
    public bool Dane { get; set; } = true;

    /// <summary>Port of the HTTPS policy servers <c>mta-sts.&lt;domain&gt;</c> (443; tests point it at a local server).</summary>
    public int MtaStsPolicyPort { get; set; } = 443;
}

public enum RelaySecurity
{
    Auto,
    None,
    StartTls,
    Tls,
}

/// <summary><c>Mail:Queue:*</c>: retries of the outbound queue.</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Mail:Queue";

    /// <summary>Delay before the second attempt; each further delay doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(4);

    /// <summary>After this many attempts (or <see cref="MaxAge"/>) a recipient fails for good and the sender gets a bounce.</summary>
    public int MaxAttempts { get; set; } = 30;
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(5);

    /// <summary>Entries sent at the same time (one slow MX must not hold up the rest).</summary>
    public int MaxParallel { get; set; } = 4;

    /// <summary>How often the worker looks for due entries when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On PostgreSQL (the queue shared by every node): how long a node's claim on an entry keeps other nodes away.
    /// Longer than one attempt can take; when a node dies mid-attempt, another sends the entry after this.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(15);
}
