using System.Net;
using System.Net.Sockets;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>Why a connection was not admitted.</summary>
internal enum ConnectionRefusal
{
    None,
    PerAddress,
    Total,
}

/// <summary>
/// Counts one listener's connections per client address and in total. Admission and release are a
/// few dictionary operations under one lock: cheap next to a TCP handshake. The accept loop calls
/// <see cref="TryAdmit"/>, and so does a balancer's connection once its PROXY header named the client.
/// </summary>
internal sealed class ConnectionLimiter(int perAddress, int total, IReadOnlyList<IPNetwork> exempt)
{
    private readonly Dictionary<IPAddress, int> _byAddress = new();
    private readonly Lock _lock = new();
    private int _total;

    public int PerAddress => perAddress;
    public int Total => total;

    /// <summary>Connections held now (for tests and metrics).</summary>
    public int Current { get { lock (_lock) return _total; } }

    public ConnectionRefusal TryAdmit(IPAddress client, out ConnectionLease lease)
    {
        lease = default;
        var key = KeyOf(client);
        var counted = !IsExempt(client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client);
        lock (_lock)
        {
            if (_total >= total)
                return ConnectionRefusal.Total;
            if (counted)
            {
                _byAddress.TryGetValue(key, out var n);
                if (n >= perAddress)
                    return ConnectionRefusal.PerAddress;
                _byAddress[key] = n + 1;
            }
            _total++;
        }
        lease = new ConnectionLease(this, counted ? key : null);
        return ConnectionRefusal.None;
    }

    internal void Release(IPAddress? key)
    {
        lock (_lock)
        {
            _total--;
            if (key is null)
                return;
            if (_byAddress.TryGetValue(key, out var n) && n > 1)
                _byAddress[key] = n - 1;
            else
                _byAddress.Remove(key);
        }
    }

    private bool IsExempt(IPAddress client)
    {
        foreach (var network in exempt)
            if (network.Contains(client))
                return true;
        return false;
    }

    /// <summary>
    /// IPv4 (also as an IPv4-mapped IPv6 address) counts per address; IPv6 per /64, since one subscriber
    /// is handed a whole /64 and could otherwise open each connection from a new address.
    /// </summary>
    internal static IPAddress KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }
}

/// <summary>One admitted connection's place in its listener's counts; release it exactly once.</summary>
internal readonly struct ConnectionLease(ConnectionLimiter? limiter, IPAddress? key)
{
    public void Release() => limiter?.Release(key);
}
