namespace HostingPanel.Provisioning;

/// <summary>The `Provisioning:*` settings.</summary>
public sealed class ProvisioningOptions
{
    public const string SectionName = "Provisioning";

    /// <summary>How long a deleted mailbox's mail is kept, restorable, before it is purged.</summary>
    public int DeleteGraceDays { get; set; } = 7;

    /// <summary>Fallback polling when no signal arrives (another node wrote the outbox, or a retry is due).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A full usage pass (every mailbox) runs this often; soon after deliveries, a pass reads only the
    /// mailboxes that changed (where the engine runs in this process).
    /// </summary>
    public TimeSpan UsageInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A usage sample per domain is kept for the charts at most this often (taken by a full usage pass).</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first reconciliation after start, once start-up provisioning has had its chance.</summary>
    public TimeSpan ReconcileStartDelay { get; set; } = TimeSpan.FromSeconds(30);

    public int BatchSize { get; set; } = 200;
}
