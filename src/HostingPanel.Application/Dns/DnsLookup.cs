using System.Globalization;
using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Configuration;

namespace HostingPanel.Application.Dns;

public enum DnsLookupOutcome
{
    /// <summary>The name has records of the type asked.</summary>
    Found,
    /// <summary>The name does not exist, or has no records of the type (NXDOMAIN, NODATA).</summary>
    None,
    /// <summary>No answer (timeout, SERVFAIL, refused): nothing can be concluded.</summary>
    Failed,
}

/// <summary>
/// Records found, in zone-file presentation so they compare with what the panel asks to publish: TXT as the
/// concatenation of the record's strings (RFC 7208 section 3.3, RFC 6376 section 3.6.2.2), names absolute and in
/// lower case ("10 mail.example.com.").
/// </summary>
public sealed record DnsLookupResult(DnsLookupOutcome Outcome, IReadOnlyList<string> Values, string? Error = null);

/// <summary>Live DNS lookups through the configured resolvers (<c>Dns:Servers:N</c>).</summary>
public interface IDnsLookup
{
    /// <param name="type">TXT, MX, CNAME or SRV.</param>
    Task<DnsLookupResult> LookupAsync(string name, string type, CancellationToken ct = default);
}

/// <summary>
/// <see cref="IDnsLookup"/> with DnsClient. Resolvers: <c>Dns:Servers:N</c> ("ip" or "ip:port"), else
/// <c>Mail:Relay:DnsServers:N</c>, else the system's. Nothing is cached: a record just published or withdrawn is seen
/// at the next lookup (the resolver's own cache aside).
/// </summary>
public sealed class DnsClientLookup : IDnsLookup
{
    private readonly LookupClient _client;

    public DnsClientLookup(IConfiguration configuration)
    {
        var servers = Servers(configuration, "Dns:Servers");
        if (servers.Count == 0) servers = Servers(configuration, "Mail:Relay:DnsServers");
        var options = servers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions(servers.ToArray());
        options.UseCache = false;
        options.Timeout = TimeSpan.FromSeconds(3);
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        _client = new LookupClient(options);
    }

    public static List<IPEndPoint> Servers(IConfiguration configuration, string key) =>
        configuration.GetSection(key).GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => ParseServer(v!)).ToList();

    public async Task<DnsLookupResult> LookupAsync(string name, string type, CancellationToken ct = default)
    {
        var queryType = type.ToUpperInvariant() switch
        {
            "TXT" => QueryType.TXT,
            "MX" => QueryType.MX,
            "CNAME" => QueryType.CNAME,
            "SRV" => QueryType.SRV,
            _ => throw new ArgumentException($"unsupported record type {type}", nameof(type)),
        };
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name.TrimEnd('.') + ".", queryType, QueryClass.IN, ct);
        }
        catch (DnsResponseException e)
        {
            return new DnsLookupResult(DnsLookupOutcome.Failed, [], e.Message);
        }
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
            return new DnsLookupResult(DnsLookupOutcome.Failed, [], response.ErrorMessage);
        // Only the type asked: a TXT query of a name that is a CNAME also answers with the CNAME.
        var values = response.Answers.Where(r => (int)r.RecordType == (int)queryType).Select(Present).OfType<string>().ToList();
        return values.Count == 0 ? new DnsLookupResult(DnsLookupOutcome.None, []) : new DnsLookupResult(DnsLookupOutcome.Found, values);
    }

    private static string? Present(DnsResourceRecord record) => record switch
    {
        TxtRecord t => string.Concat(t.Text),
        MxRecord m => string.Create(CultureInfo.InvariantCulture, $"{m.Preference} {Absolute(m.Exchange.Value)}"),
        CNameRecord c => Absolute(c.CanonicalName.Value),
        SrvRecord s => string.Create(CultureInfo.InvariantCulture, $"{s.Priority} {s.Weight} {s.Port} {Absolute(s.Target.Value)}"),
        _ => null,
    };

    private static string Absolute(string name) => name.TrimEnd('.').ToLowerInvariant() + ".";

    private static IPEndPoint ParseServer(string server) =>
        IPEndPoint.TryParse(server.Trim(), out var ep) ? (ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep) : new IPEndPoint(IPAddress.Parse(server.Trim()), 53);
}
