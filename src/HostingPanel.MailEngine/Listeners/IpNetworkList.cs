using System.Net;
using System.Net.Sockets;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>Settings that list client networks: addresses or CIDR networks, one per entry or comma-separated.</summary>
internal static class IpNetworkList
{
    /// <summary>Parses the entries; <c>none</c> entries are skipped (so a list can be set empty explicitly).</summary>
    /// <exception cref="InvalidOperationException">An entry is neither an address nor a network (names the setting).</exception>
    public static List<IPNetwork> Parse(IEnumerable<string> entries, string settingName)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in entries.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (entry.Equals("none", StringComparison.OrdinalIgnoreCase))
                continue;
            if (IPNetwork.TryParse(entry, out var network))
                networks.Add(network);
            else if (IPAddress.TryParse(entry, out var address))
                networks.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else
                throw new InvalidOperationException($"{settingName} has '{entry}', which is neither an IP address nor a network like 10.0.0.0/8.");
        }
        return networks;
    }

    /// <summary>Whether <paramref name="address"/> (an IPv4-mapped IPv6 address as its IPv4 form) is inside one of the networks.</summary>
    public static bool Contains(IReadOnlyList<IPNetwork> networks, IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        foreach (var network in networks)
            if (network.Contains(address))
                return true;
        return false;
    }
}
