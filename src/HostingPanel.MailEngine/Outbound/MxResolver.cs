using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Outbound;

/// <summary>Where mail for a domain goes: MX hosts by preference (RFC 5321 section 5.1).</summary>
public interface IMxResolver
{
    /// <summary>Host names to try in order; empty for a null MX (RFC 7505: the domain takes no mail).</summary>
    Task<IReadOnlyList<string>> ResolveAsync(string domain, CancellationToken ct = default);

    /// <summary>
    /// The addresses of one MX host. Through the same resolvers as the MX lookup (<c>Dns:Servers</c>), not the
    /// system's: MTA-STS and DANE decisions are only as good as the name-to-address step they rest on.
    /// </summary>
    async Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken ct = default) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
}

public sealed class DnsMxResolver : IMxResolver
{
    private readonly Lazy<LookupClient> _client;

    public DnsMxResolver(IOptions<RelayOptions> options)
    {
        var servers = options.Value.DnsServers;
        _client = new Lazy<LookupClient>(() => servers.Count == 0
            ? new LookupClient()
            : new LookupClient(servers.Select(ParseServer).ToArray()));
    }

    public async Task<IReadOnlyList<string>> ResolveAsync(string domain, CancellationToken ct = default)
    {
        var result = await _client.Value.QueryAsync(domain, QueryType.MX, cancellationToken: ct);
        if (result.HasError && result.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
            throw new DnsResponseException(result.ErrorMessage);
        var records = result.Answers.OfType<MxRecord>().OrderBy(r => r.Preference).ToList();
        if (records.Count == 1 && records[0].Exchange.Value is "." or "")
            return [];
        if (records.Count == 0)
            return result.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain ? [] : [domain]; // implicit MX
        return records.Select(r => r.Exchange.Value.TrimEnd('.')).ToList();
    }

    public async Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken ct = default)
    {
        if (IPAddress.TryParse(host, out var literal))
            return [literal];
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return [IPAddress.Loopback];
        var addresses = new List<IPAddress>();
        foreach (var type in new[] { QueryType.AAAA, QueryType.A })
        {
            var result = await _client.Value.QueryAsync(host, type, cancellationToken: ct);
            if (result.HasError && result.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
                throw new DnsResponseException(result.ErrorMessage);
            addresses.AddRange(result.Answers.AddressRecords().Select(r => r.Address));
        }
        // IPv4 first: a host without IPv6 routing (common on small servers) would otherwise wait for each AAAA to time out.
        return addresses.OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).ToList();
    }

    internal static IPEndPoint ParseServer(string server) =>
        IPEndPoint.TryParse(server, out var ep) ? (ep.Port == 0 ? new IPEndPoint(ep.Address, 53) : ep) : new IPEndPoint(IPAddress.Parse(server), 53);
}
