using System.Collections.Concurrent;
using System.Net;
using HostingPanel.MailEngine.Listeners;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// <c>Http:Limits:*</c>: what the portal's Kestrel admits, so that connections opened by the thousand
/// from one address cannot take the portal and API down. Kestrel closes connections past
/// <see cref="MaxConcurrentConnections"/> itself; the per-address count is a connection middleware
/// (<see cref="HttpConnectionsPerAddress"/>) that closes the connection before HTTP is spoken.
/// </summary>
public sealed class HttpConnectionLimits
{
    public const string SectionName = "Http:Limits";

    /// <summary>Connections at once on all the portal's end points.</summary>
    public long MaxConcurrentConnections { get; set; } = 1000;

    /// <summary>Connections at once from one client address (IPv6: one /64). Proxies in <c>Http:KnownProxies</c> are exempt.</summary>
    public int PerAddress { get; set; } = 100;

    /// <summary>How long Kestrel keeps a connection with no request in progress (its default is 130 s).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public static HttpConnectionLimits Read(IConfiguration configuration)
    {
        var limits = configuration.GetSection(SectionName).Get<HttpConnectionLimits>() ?? new HttpConnectionLimits();
        if (limits.MaxConcurrentConnections < 1 || limits.PerAddress < 1 || limits.KeepAliveTimeout <= TimeSpan.Zero)
            throw new StartupProblem($"{SectionName}: MaxConcurrentConnections and PerAddress must be at least 1, KeepAliveTimeout positive.");
        return limits;
    }

    /// <summary>Applies the limits to Kestrel and registers their share of the open-files budget.</summary>
    public static void Apply(WebApplicationBuilder builder)
    {
        var limits = Read(builder.Configuration);
        var exempt = TrustedProxies.Read(builder.Configuration)
            .Select(e => e.Contains('/') ? IPNetwork.Parse(e) : new IPNetwork(IPAddress.Parse(e), IPAddress.Parse(e).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
            .ToList();
        var perAddress = new HttpConnectionsPerAddress(limits.PerAddress, exempt);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
            k.Limits.MaxConcurrentUpgradedConnections = limits.MaxConcurrentConnections;
            k.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
            k.ConfigureEndpointDefaults(endpoint => endpoint.Use(perAddress.Middleware));
        });
        builder.Services.AddFileDescriptorBudget();
        builder.Services.AddSingleton(new FileDescriptorDemand("portal (Http:Limits:MaxConcurrentConnections)", limits.MaxConcurrentConnections));
    }
}

/// <summary>Counts the portal's open connections per client address and closes those past the limit.</summary>
internal sealed class HttpConnectionsPerAddress(int limit, IReadOnlyList<IPNetwork> exempt)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public ConnectionDelegate Middleware(ConnectionDelegate next) => async context =>
    {
        if (context.RemoteEndPoint is not IPEndPoint remote)
        {
            await next(context);
            return;
        }
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        if (exempt.Any(n => n.Contains(address)))
        {
            await next(context);
            return;
        }
        var key = PerAddressKey(address);
        if (_open.AddOrUpdate(key, 1, (_, n) => n + 1) > limit)
        {
            Leave(key);
            // Closed before a byte of HTTP: what Kestrel itself does past MaxConcurrentConnections.
            return;
        }
        try
        {
            await next(context);
        }
        finally
        {
            Leave(key);
        }
    };

    private void Leave(IPAddress key)
    {
        // Remove the entry when it reaches zero, unless another connection raised it meanwhile.
        while (true)
        {
            var n = _open[key];
            if (n == 1 ? _open.TryRemove(new KeyValuePair<IPAddress, int>(key, 1)) : _open.TryUpdate(key, n - 1, n))
                return;
        }
    }

    /// <summary>IPv4 per address, IPv6 per /64 (one subscriber's network).</summary>
    private static IPAddress PerAddressKey(IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            return address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }
}
