using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace HostingPanel.Web.Hosting.Metrics;

/// <summary>
/// Who may read <c>/metrics</c>: loopback clients and <c>Metrics:AllowedNetworks</c>, anyone else only with
/// <c>Authorization: Bearer {Metrics:Token}</c> (compared in constant time); otherwise 401. A request that still
/// carries a forwarding header was relayed by a proxy that is not trusted (<c>Http:KnownProxies</c>): its loopback
/// peer is that proxy, not the client, so it does not count as loopback.
/// </summary>
public sealed class MetricsAccess
{
    private readonly IReadOnlyList<System.Net.IPNetwork> _networks;
    private readonly byte[]? _tokenHash;

    public MetricsAccess(MetricsOptions options)
    {
        _networks = options.AllowedNetworks
            .SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Parse).ToList();
        _tokenHash = string.IsNullOrEmpty(options.Token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.Token));
    }

    public bool IsAllowed(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is not null)
        {
            if (remote.IsIPv4MappedToIPv6)
                remote = remote.MapToIPv4();
            var relayed = context.Request.Headers.ContainsKey("X-Forwarded-For") || context.Request.Headers.ContainsKey("Forwarded");
            if (IPAddress.IsLoopback(remote) && !relayed)
                return true;
            if (!relayed && _networks.Any(n => n.Contains(remote)))
                return true;
        }
        return _tokenHash is not null && HasToken(context.Request.Headers.Authorization.ToString());
    }

    private bool HasToken(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _tokenHash);
    }

    private static System.Net.IPNetwork Parse(string entry)
    {
        if (System.Net.IPNetwork.TryParse(entry, out var network))
            return network;
        if (IPAddress.TryParse(entry, out var address))
            return new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        throw new StartupProblem($"Metrics:AllowedNetworks has '{entry}', which is neither an IP address nor a network like 10.0.0.0/8.");
    }
}
