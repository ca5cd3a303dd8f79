using System.Net;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// <c>Mail:ProxyProtocol:*</c>: the balancers (haproxy with <c>send-proxy</c> or <c>send-proxy-v2</c>) whose
/// PROXY protocol header every mail listener believes. From those addresses the header is required, and
/// the client it names is the client for everything (connection limits, login throttling, logs,
/// Received fields, plaintext-auth rules). From any other address a header is not believed: its bytes
/// reach the protocol as any other bytes (and are refused there as a bad command), as the protocol's
/// section 1 asks, since anyone could otherwise claim any address.
/// </summary>
public sealed class ProxyProtocolOptions
{
    /// <summary><c>Mail:ProxyProtocol:TrustedNetworks:N</c>: addresses or networks (10.0.0.0/8); unset: nobody.</summary>
    public List<string> TrustedNetworks { get; set; } = [];

    internal IReadOnlyList<IPNetwork> ParseTrustedNetworks() => IpNetworkList.Parse(TrustedNetworks, "Mail:ProxyProtocol:TrustedNetworks");
}
