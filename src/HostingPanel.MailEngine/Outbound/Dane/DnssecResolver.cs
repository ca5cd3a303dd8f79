using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Outbound.Dane;

/// <summary>What DNSSEC says of an answer (RFC 4035 section 4.3).</summary>
public enum DnssecStatus
{
    /// <summary>Signed, and the chain of signatures leads to a trust anchor.</summary>
    Secure,
    /// <summary>Provably unsigned: a signed parent proves there is no DS (an ordinary, unsigned zone).</summary>
    Insecure,
    /// <summary>Should be signed and is not, or does not verify, or the lookup failed: trust nothing.</summary>
    Bogus,
}

public sealed record DnssecAnswer<T>(DnssecStatus Status, IReadOnlyList<T> Records, string? Problem = null);

/// <summary>
/// Looks names up through the product's resolvers (<c>Dns:Servers</c>) and validates the answers itself from the
/// configured trust anchors (ARSoft.Tools.Net's self-validating stub: it asks with DO and CD set and checks every
/// RRSIG, DNSKEY and DS up to the root), so a resolver or a path that forges or strips records cannot fake a
/// TLSA record. Whether the resolvers serve DNSSEC at all is learnt from the root's DNSKEY: a resolver that strips
/// signatures makes DANE inapplicable (and says so in the log) rather than deferring all mail; once signed data has
/// been seen, it is expected from then on, so an attacker who later strips it gets "bogus", not a downgrade.
/// </summary>
public sealed class DnssecResolver
{
    private static readonly TimeSpan RecheckUnavailable = TimeSpan.FromMinutes(10);
    private readonly Lazy<SelfValidatingInternalDnsSecStubResolver> _resolver;
    private readonly TimeProvider _time;
    private readonly ILogger<DnssecResolver> _logger;
    private volatile bool _seenSigned;
    private DateTimeOffset _unavailableUntil = DateTimeOffset.MinValue;

    public DnssecResolver(IOptions<RelayOptions> relay, DnssecTrustAnchors anchors, TimeProvider time, ILogger<DnssecResolver> logger)
    {
        _time = time;
        _logger = logger;
        var servers = relay.Value.DnsServers.Select(DnsMxResolver.ParseServer).ToList();
        _resolver = new Lazy<SelfValidatingInternalDnsSecStubResolver>(() =>
        {
            // ARSoft's client takes one port for all its servers: the first server's (test resolvers listen on a port of their own).
            var client = servers.Count == 0
                ? new ARSoft.Tools.Net.Dns.DnsClient(ARSoft.Tools.Net.Dns.DnsClient.GetLocalConfiguredDnsServers(), 5000)
                : new ARSoft.Tools.Net.Dns.DnsClient(servers.Select(s => s.Address),
                    [new UdpClientTransport(servers[0].Port), new TcpClientTransport(servers[0].Port)], false, 5000);
            return new SelfValidatingInternalDnsSecStubResolver(client, anchors);
        });
    }

    /// <summary>
    /// True when the resolvers serve the root's DNSKEY signed by a trust anchor. A "no" is asked again after ten
    /// minutes; a "yes" is kept for the life of the process (see the class remarks).
    /// </summary>
    public async Task<bool> IsAvailableAsync(CancellationToken ct)
    {
        if (_seenSigned)
            return true;
        if (_time.GetUtcNow() < _unavailableUntil)
            return false;
        var root = await LookupAsync<DnsKeyRecord>(".", RecordType.DnsKey, ct);
        if (root is { Status: DnssecStatus.Secure, Records.Count: > 0 })
            return _seenSigned = true;
        _logger.LogInformation("DNSSEC is not available through the configured resolvers ({Problem}): DANE is not applied", root.Problem ?? root.Status.ToString());
        _unavailableUntil = _time.GetUtcNow() + RecheckUnavailable;
        return false;
    }

    /// <summary>
    /// The validated answer. An "insecure" verdict is checked once more (see <see cref="ProveInsecureAsync"/>): the
    /// library proves insecurity by any signed "no DS" above the name, without knowing where the zone cuts are, so
    /// an answer stripped of its signatures inside a signed zone would pass as unsigned.
    /// </summary>
    public async Task<DnssecAnswer<T>> LookupAsync<T>(string name, RecordType type, CancellationToken ct) where T : DnsRecordBase
    {
        var answer = await ResolveAsync<T>(name, type, ct);
        if (answer.Status != DnssecStatus.Insecure)
            return answer;
        var problem = await ProveInsecureAsync(name.TrimEnd('.'), ct);
        return problem is null ? answer : new DnssecAnswer<T>(DnssecStatus.Bogus, [], $"{type} of {name}: {problem}");
    }

    /// <summary>
    /// Null when the zone that holds <paramref name="name"/> is really unsigned: its apex (the nearest name that owns an
    /// SOA) has no DS record in a signed parent. A validated DS there means the zone is signed, so an unsigned answer
    /// from it has lost its signatures on the way (RFC 4035 section 5: bogus). The answer from the root zone, signed
    /// by the trust anchor, can never be insecure.
    /// </summary>
    private async Task<string?> ProveInsecureAsync(string name, CancellationToken ct)
    {
        var labels = name.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            var candidate = string.Join('.', labels[i..]);
            var soa = await ResolveAsync<SoaRecord>(candidate, RecordType.Soa, ct);
            if (soa.Status == DnssecStatus.Bogus)
                return soa.Problem;
            if (!soa.Records.Any(r => r.Name.ToString().TrimEnd('.').Equals(candidate, StringComparison.OrdinalIgnoreCase)))
                continue;
            var ds = await ResolveAsync<DsRecord>(candidate, RecordType.Ds, ct);
            if (ds.Status == DnssecStatus.Bogus)
                return ds.Problem;
            return ds is { Status: DnssecStatus.Secure, Records.Count: > 0 }
                ? $"unsigned answer from {candidate}, whose DS record in the signed parent says it is signed"
                : null;
        }
        return "unsigned answer from the root zone, which the trust anchor signs";
    }

    private async Task<DnssecAnswer<T>> ResolveAsync<T>(string name, RecordType type, CancellationToken ct) where T : DnsRecordBase
    {
        DomainName? domain = DomainName.Root;
        if (name != "." && (!DomainName.TryParse(name, out domain) || domain is null))
            return new DnssecAnswer<T>(DnssecStatus.Bogus, [], $"'{name}' is not a domain name");
        try
        {
            var result = await _resolver.Value.ResolveSecureAsync<T>(domain, type, RecordClass.INet, ct);
            var status = result.ValidationResult switch
            {
                DnsSecValidationResult.Signed => DnssecStatus.Secure,
                DnsSecValidationResult.Unsigned => DnssecStatus.Insecure,
                _ => DnssecStatus.Bogus,
            };
            return new DnssecAnswer<T>(status, status == DnssecStatus.Bogus ? [] : result.Records,
                status == DnssecStatus.Bogus ? $"{type} of {name}: {result.ValidationResult}" : null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // DnsSecValidationException (bogus signatures, missing DNSKEY/DS), SERVFAIL, timeouts: all "do not trust".
            return new DnssecAnswer<T>(DnssecStatus.Bogus, [], $"{type} of {name}: {e.GetBaseException().Message}");
        }
    }
}
