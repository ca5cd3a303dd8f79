namespace HostingPanel.Web.Hosting.Metrics;

/// <summary>The <c>Metrics:*</c> settings: who may read <c>GET /metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>Networks (CIDR, or single addresses) whose clients read /metrics without a token; loopback always may.</summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>Any other client needs <c>Authorization: Bearer</c> with this value; unset: only the allowed networks.</summary>
    public string? Token { get; set; }
}
