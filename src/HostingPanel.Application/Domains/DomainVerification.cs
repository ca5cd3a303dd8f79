namespace HostingPanel.Application.Domains;

/// <summary>A record to publish in DNS, in zone-file terms (absolute names end with a dot; TXT values without quotes).</summary>
public sealed record DnsRecordSpec(string Name, string Type, string Value);

/// <summary>
/// The TXT record that proves a domain is its owner's: <c>_hostingpanel-verification.{domain}</c> with the value
/// <c>hostingpanel-verification={token}</c>. Under its own name, so it never collides with SPF or other TXT records at
/// the apex, and only someone who controls the zone can publish it.
/// </summary>
public static class DomainVerification
{
    public const string Label = "_hostingpanel-verification";
    public const string Prefix = "hostingpanel-verification=";

    public static DnsRecordSpec RecordFor(string domain, string token) =>
        new($"{Label}.{domain.TrimEnd('.')}.", "TXT", Prefix + token);

    /// <summary>Whether any of the TXT strings found is exactly the expected value (case and spaces as published).</summary>
    public static bool Matches(IEnumerable<string> txtValues, string token) =>
        txtValues.Any(v => string.Equals(v.Trim(), Prefix + token, StringComparison.Ordinal));
}
