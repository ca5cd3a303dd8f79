namespace HostingPanel.Web.Hosting.Acme;

/// <summary>Acme:* settings: certificates from an ACME CA (RFC 8555) for the mail host name and more names.</summary>
public sealed class AcmeOptions
{
    public const string SectionName = "Acme";

    /// <summary>Off by default: a CA must be able to reach this portal on port 80 under each name.</summary>
    public bool Enabled { get; set; }

    /// <summary>The CA's directory (RFC 8555 section 7.1.1).</summary>
    public string DirectoryUrl { get; set; } = "https://acme-v02.api.letsencrypt.org/directory";

    /// <summary>Contact address of the ACME account (expiry notices); optional.</summary>
    public string? Email { get; set; }

    /// <summary>Names beyond Mail:Hostname that get a certificate of their own (the portal's name, mail.customer.example, ...).</summary>
    public List<string> Names { get; set; } = [];

    /// <summary>A PEM file with CA certificates trusted for the ACME server's own HTTPS (a private CA); unset: the system's.</summary>
    public string? TrustedCaPath { get; set; }

    /// <summary>How often the renewal loop looks whether a certificate is due.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long to wait after a failed issuance before trying again.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest wait for the CA to validate a challenge or issue a certificate.</summary>
    public TimeSpan OrderTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
