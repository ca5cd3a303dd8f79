namespace HostingPanel.Application.Dashboard;

/// <summary>Counts and disk use of everything the actor sees.</summary>
public sealed record Totals(int Resellers, int Customers, int Domains, int Mailboxes, int Aliases, long QuotaMb, long UsedBytes, long MessageCount);

public sealed record MailboxUsageRow(string Address, string Domain, string LocalPart, string CustomerName, long QuotaMb, long UsedBytes, long MessageCount)
{
    public double UsedPercent => QuotaMb <= 0 ? 0 : Math.Min(100, UsedBytes * 100.0 / (QuotaMb * 1024.0 * 1024.0));
}

/// <summary>Something the worker could not apply to the mail engine.</summary>
public sealed record ProvisioningFailure(string Kind, string Name, string Domain, string CustomerName, string? Detail);

public sealed record UsagePoint(DateTimeOffset At, long UsedBytes, long MessageCount);
