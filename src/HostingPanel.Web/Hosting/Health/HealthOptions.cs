namespace HostingPanel.Web.Hosting.Health;

/// <summary>The <c>Health:*</c> settings: when a readiness check warns (degraded, still 200) or fails (503).</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Health";

    /// <summary>Each check gets this long; a database that does not answer in time is a failure.</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The outbound queue's oldest entry older than this is reported degraded (remote servers refusing or down).</summary>
    public TimeSpan QueueWarningAge { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A certificate expiring within this many days is reported degraded; an expired one fails.</summary>
    public int CertificateWarningDays { get; set; } = 14;

    /// <summary>The provisioning worker's last completed pass older than this fails readiness (the worker is stuck).</summary>
    public TimeSpan WorkerMaxSilence { get; set; } = TimeSpan.FromMinutes(5);
}
