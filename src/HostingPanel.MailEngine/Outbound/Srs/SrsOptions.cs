namespace HostingPanel.MailEngine.Outbound.Srs;

/// <summary><c>Mail:Srs:*</c>: the Sender Rewriting Scheme for forwarded mail.</summary>
public sealed class SrsOptions
{
    public const string SectionName = "Mail:Srs";

    /// <summary>Rewrite the envelope sender of forwarded mail (on by default: without it every forward fails SPF at the next hop).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The key of the address hash. Unset: 32 random bytes created once in <c>{DataDirectory}/srs/secret.key</c>.
    /// Nodes that share one database need the same secret (or the same key file).
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>How long a rewritten address accepts bounces (the timestamp's age in days).</summary>
    public int MaxAgeDays { get; set; } = 21;
}
