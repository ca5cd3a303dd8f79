namespace HostingPanel.MailEngine.Delivery;

/// <summary>The <c>Mail:DeliveryLog:*</c> settings.</summary>
public sealed class DeliveryLogOptions
{
    public const string SectionName = "Mail:DeliveryLog";

    /// <summary>Lines older than this many days are deleted (hourly); 0 keeps them forever.</summary>
    public int RetentionDays { get; set; } = 30;

    /// <summary>How long the writer gathers lines before one batched insert (the log is this late at most, under load).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Lines waiting beyond this are dropped (and counted) rather than slowing deliveries down.</summary>
    public int MaxPending { get; set; } = 100_000;

    /// <summary>False: no line is written (the metrics still count outcomes); for an operator who must not keep message tracking, and the benchmark's "before".</summary>
    public bool Enabled { get; set; } = true;
}
