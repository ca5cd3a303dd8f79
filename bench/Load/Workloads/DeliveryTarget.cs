namespace HostingPanel.Bench.Load.Workloads;

/// <summary>Where a delivery load sends: which server, its address, LMTP (Dovecot) or SMTP (the product), and the RCPTs.</summary>
internal sealed record DeliveryTarget(string Server, string Host, int Port, bool Lmtp, string[] Recipients)
{
    public static DeliveryTarget From(Options o) => new(
        o.String("server"),
        o.String("host", "127.0.0.1"),
        o.Int("port"),
        o.String("proto") switch
        {
            "lmtp" => true,
            "smtp" => false,
            var p => throw new ArgumentException("--proto lmtp|smtp, not " + p),
        },
        o.String("rcpt").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
