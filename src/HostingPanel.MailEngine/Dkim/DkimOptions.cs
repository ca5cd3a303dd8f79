namespace HostingPanel.MailEngine.Dkim;

/// <summary><c>Mail:Dkim:*</c>.</summary>
public sealed class DkimOptions
{
    public const string SectionName = "Mail:Dkim";

    /// <summary>During a rotation, how often (per domain, at most) the signer looks whether the new records are in DNS.</summary>
    public TimeSpan RotationCheckInterval { get; set; } = TimeSpan.FromMinutes(1);
}
