using System.Net;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>Which peers of a listener are balancers whose PROXY header is required and believed, and how long a header may take.</summary>
internal sealed class ProxyProtocolPolicy(IReadOnlyList<IPNetwork> trusted, TimeSpan headerTimeout)
{
    /// <summary>The pre-authentication timeout: a balancer sends its header at once, before any client byte.</summary>
    public TimeSpan HeaderTimeout => headerTimeout;

    public bool Trusts(IPAddress peer) => IpNetworkList.Contains(trusted, peer);

    /// <summary>Null when no balancer is configured (then no header is ever read).</summary>
    public static ProxyProtocolPolicy? From(ProxyProtocolOptions options, TimeSpan headerTimeout)
    {
        var trusted = options.ParseTrustedNetworks();
        return trusted.Count == 0 ? null : new ProxyProtocolPolicy(trusted, headerTimeout);
    }
}
