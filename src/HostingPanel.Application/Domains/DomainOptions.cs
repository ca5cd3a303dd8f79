namespace HostingPanel.Application.Domains;

/// <summary>The `Domains:*` settings (the reserved names are read by <see cref="DomainNamePolicy"/>).</summary>
public sealed class DomainOptions
{
    public const string SectionName = "Domains";

    /// <summary>
    /// True (default): a new domain is unverified until its TXT record is found or an admin verifies it, and while
    /// unverified other tenants' mail to it leaves through the outbound queue. False: every domain counts as verified
    /// (an installation where every tenant is trusted, such as one company's own server).
    /// </summary>
    public bool RequireVerification { get; set; } = true;

    /// <summary>How often the worker looks up the TXT record of each unverified domain.</summary>
    public TimeSpan VerificationInterval { get; set; } = TimeSpan.FromMinutes(10);
}
