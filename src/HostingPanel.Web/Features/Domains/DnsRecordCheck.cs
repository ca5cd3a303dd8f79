using HostingPanel.Application.Dns;

namespace HostingPanel.Web.Features.Domains;

/// <summary>A record to publish and what a live lookup found: <c>ok</c>, <c>missing</c> or <c>different</c> (with what was found).</summary>
public sealed record CheckedDnsRecord(DnsRecord Record, string Status, IReadOnlyList<string> Found, string? Detail);

/// <summary>Looks every record up through the configured resolvers (<c>Dns:Servers</c>), all at once.</summary>
public sealed class DnsRecordCheck(IDnsLookup dns)
{
    public const string Ok = "ok";
    public const string Missing = "missing";
    public const string Different = "different";
    /// <summary>Not looked up (the domain page before the user asks).</summary>
    public const string NotChecked = "not checked";

    public async Task<IReadOnlyList<CheckedDnsRecord>> CheckAsync(IReadOnlyList<DnsRecord> records, CancellationToken ct)
    {
        // One lookup per (name, type), shared by the records that live there (several TXT at the apex).
        var lookups = records.Select(r => (r.Name, r.Type)).Distinct()
            .ToDictionary(k => k, k => dns.LookupAsync(k.Name, k.Type, ct));
        await Task.WhenAll(lookups.Values);
        return records.Select(r => Judge(r, lookups[(r.Name, r.Type)].Result)).ToList();
    }

    private static CheckedDnsRecord Judge(DnsRecord record, DnsLookupResult result)
    {
        if (result.Outcome == DnsLookupOutcome.Failed)
            return new CheckedDnsRecord(record, Missing, [], $"The lookup failed: {result.Error}");
        // Records of the same kind at the name: for TXT those starting like this one (v=spf1...), else all of the type.
        var sameKind = result.Values.Where(v => record.Kind is null || v.TrimStart().StartsWith(record.Kind, StringComparison.OrdinalIgnoreCase)).ToList();
        if (sameKind.Any(v => Same(record, v)))
            return new CheckedDnsRecord(record, Ok, sameKind, null);
        if (sameKind.Count == 0)
            return new CheckedDnsRecord(record, Missing, [], null);
        return new CheckedDnsRecord(record, Different, sameKind, "Published with a different value: replace it with the value shown.");
    }

    /// <summary>TXT compares exactly, but for spaces around ';' (DKIM and DMARC tags); names without case.</summary>
    private static bool Same(DnsRecord record, string found) => record.Type == "TXT"
        ? Normalize(found) == Normalize(record.Value)
        : string.Equals(found.Trim(), record.Value.Trim(), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string txt) =>
        string.Join(";", txt.Split(';').Select(p => p.Trim()).Where(p => p.Length > 0));
}
