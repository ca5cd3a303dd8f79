using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Outbound.Dane;

/// <summary>
/// DANE for one MX host. <paramref name="Tlsa"/> null: no DANE for this host (opportunistic or MTA-STS); empty: TLSA
/// records exist but none is usable, so TLS is mandatory yet unauthenticated (RFC 7672 section 2.2); otherwise the
/// certificate must match one of them. <paramref name="Unusable"/> set: a lookup was bogus, the host is not tried.
/// </summary>
public sealed record DaneHostPolicy(string Host, IReadOnlyList<TlsaRecord>? Tlsa, string? Unusable, string Note);

/// <summary>
/// DANE for one destination domain. <paramref name="Hosts"/> null: DANE does not apply (no DNSSEC, unsigned MX), the
/// MX hosts from the ordinary lookup stand. <paramref name="Failure"/> set: the MX lookup was bogus, nothing is tried.
/// </summary>
public sealed record DaneDomainPolicy(IReadOnlyList<DaneHostPolicy>? Hosts, string Note, string? Failure = null)
{
    /// <summary>At least one MX host has TLSA records: DANE governs the domain and MTA-STS is not used (RFC 8461 section 2).</summary>
    public bool Applies => Hosts?.Any(h => h.Tlsa is not null) == true;
}

/// <summary>
/// Finds out whether DANE (RFC 7672) protects delivery to a domain: the MX RRset must be DNSSEC-secure (section 2.2.1),
/// then each MX host's address records (section 2.2.2), then its TLSA RRset at <c>_25._tcp.&lt;host&gt;</c> (section
/// 2.2.3; port 25 whatever <c>Mail:Relay:MxPort</c> says, which only redirects tests). A bogus answer at any step
/// refuses the host or the domain (section 2.1.1): an attacker who forges or strips DNS records gets a deferral, never
/// plaintext. An insecure answer means the zone is unsigned: DANE does not apply and nothing is lost.
/// </summary>
public sealed class DanePolicySource(IOptions<RelayOptions> options, DnssecResolver dnssec)
{
    /// <summary>A hostile MX RRset of hundreds of hosts must not make a delivery do thousands of validated lookups.</summary>
    internal const int MaxHosts = 10;

    public async Task<DaneDomainPolicy> GetAsync(string domain, IReadOnlyList<string> unvalidatedHosts, CancellationToken ct)
    {
        if (!options.Value.Dane)
            return new DaneDomainPolicy(null, "");
        if (!await dnssec.IsAvailableAsync(ct))
            return new DaneDomainPolicy(null, "DANE: not applied (the resolvers serve no DNSSEC)");
        var mx = await dnssec.LookupAsync<MxRecord>(domain, RecordType.Mx, ct);
        if (mx.Status == DnssecStatus.Bogus)
            return new DaneDomainPolicy(null, "DANE: MX lookup bogus", $"DANE: the MX RRset of {domain} does not validate ({mx.Problem})");
        if (mx.Status == DnssecStatus.Insecure)
            return new DaneDomainPolicy(null, $"DANE: not applicable ({domain} is not DNSSEC-signed)");
        var names = mx.Records.OrderBy(r => r.Preference).Select(r => r.ExchangeDomainName.ToString().TrimEnd('.')).ToList();
        if (names is [""])
            names = []; // null MX (RFC 7505)
        else if (names.Count == 0)
            names = unvalidatedHosts.Count == 0 ? [] : [domain]; // validated: no MX, so the domain itself (RFC 5321 section 5.1)
        var hosts = new List<DaneHostPolicy>();
        foreach (var host in names.Take(MaxHosts))
            hosts.Add(await HostAsync(host, ct));
        var note = hosts.Count == 0 ? "DANE: MX RRset secure, no host"
            : "DANE: MX RRset secure; " + string.Join("; ", hosts.Select(h => h.Note));
        return new DaneDomainPolicy(hosts, note);
    }

    private async Task<DaneHostPolicy> HostAsync(string host, CancellationToken ct)
    {
        var a = await dnssec.LookupAsync<ARecord>(host, RecordType.A, ct);
        if (a is { Status: DnssecStatus.Secure, Records.Count: 0 })
        {
            var aaaa = await dnssec.LookupAsync<AaaaRecord>(host, RecordType.Aaaa, ct);
            a = new DnssecAnswer<ARecord>(aaaa.Status, [], aaaa.Problem);
        }
        if (a.Status == DnssecStatus.Bogus)
            return new DaneHostPolicy(host, null, $"address records bogus ({a.Problem})", $"{host}: address records bogus, not tried");
        if (a.Status == DnssecStatus.Insecure)
            return new DaneHostPolicy(host, null, null, $"{host}: address records not signed, no DANE");
        var tlsa = await dnssec.LookupAsync<TlsaRecord>($"_25._tcp.{host}", RecordType.Tlsa, ct);
        if (tlsa.Status == DnssecStatus.Bogus)
            return new DaneHostPolicy(host, null, $"TLSA lookup bogus ({tlsa.Problem})", $"{host}: TLSA bogus, not tried");
        if (tlsa.Status == DnssecStatus.Insecure || tlsa.Records.Count == 0)
            return new DaneHostPolicy(host, null, null, $"{host}: no TLSA records");
        var usable = TlsaMatcher.Usable(tlsa.Records);
        var described = usable.Count == 0 ? $"{tlsa.Records.Count} TLSA record(s), none usable: TLS required, not authenticated"
            : $"TLSA {string.Join(", ", usable.Take(3).Select(Describe).Distinct())}{(usable.Count > 3 ? $" and {usable.Count - 3} more" : "")}";
        return new DaneHostPolicy(host, usable, null, $"{host}: {described}");
    }

    private static string Describe(TlsaRecord r) => $"{(int)r.CertificateUsage} {(int)r.Selector} {(int)r.MatchingType}";
}
