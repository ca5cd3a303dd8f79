using System.Net;
using System.Net.Sockets;

namespace HostingPanel.Web.Features.Migrations;

/// <summary>
/// Which servers a migration may connect to. A migration makes this server open a connection to a host a tenant names, so
/// without a rule a tenant could point it at 127.0.0.1 or the internal network and reach the product's own or internal
/// ports (server-side request forgery). Every address the name resolves to is checked; loopback, private (RFC 1918,
/// RFC 4193), shared (RFC 6598), link-local, multicast and reserved ranges are refused unless the caller is an admin or
/// <c>Migrations:AllowPrivateNetworks</c> is true. The worker resolves and checks again when it connects, and connects to
/// the address it checked (no second lookup that DNS rebinding could answer differently).
/// </summary>
public static class MigrationTargetPolicy
{
    public sealed record Target(IPAddress[] Addresses, string? Refusal);

    public static async Task<Target> ResolveAsync(string host, bool allowPrivate, CancellationToken ct)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal)) addresses = [literal];
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, ct);
            }
            catch (SocketException)
            {
                return new Target([], $"The host {host} could not be resolved.");
            }
        }
        if (addresses.Length == 0) return new Target([], $"The host {host} could not be resolved.");
        if (!allowPrivate && addresses.FirstOrDefault(IsInternal) is { } inside)
            return new Target([], $"The host {host} is at {inside}, a loopback, private or link-local address; migrations may only reach public servers.");
        return new Target(addresses, null);
    }

    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None)) return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224                    // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128)                               // shared address space (RFC 6598)
                || (b[0] == 169 && b[1] == 254)                                            // link-local
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)                                // private
                || (b[0] == 192 && b[1] == 168)                                            // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)                                 // IETF protocol assignments
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19));                            // benchmarking
        }
        var v6 = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (v6[0] & 0xFE) == 0xFC;                                                        // unique local (RFC 4193)
    }
}
