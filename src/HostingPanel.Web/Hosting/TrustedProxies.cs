using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// X-Forwarded-For/-Proto are believed only from the proxies listed in `Http:KnownProxies` (addresses or CIDR networks,
/// comma-separated); none by default. Otherwise anybody could write any client address into the audit log and the
/// login throttling by sending the header themselves.
/// </summary>
public static class TrustedProxies
{
    public const string SettingName = "Http:KnownProxies";

    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var entries = Read(configuration);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; here only what the operator listed.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var entry in entries)
            {
                if (entry.Contains('/')) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(entry));
                else o.KnownProxies.Add(IPAddress.Parse(entry));
            }
        });
        return services;
    }

    /// <summary>
    /// Reads the headers only when proxies are listed: the middleware with empty lists believes every peer
    /// (it checks the sender only when some proxy or network is known).
    /// </summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app, IConfiguration configuration) =>
        Read(configuration).Count == 0 ? app : app.UseForwardedHeaders();

    /// <summary>The configured entries, checked at start-up so that a typo stops the process with a clear message.</summary>
    public static IReadOnlyList<string> Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SettingName);
        var values = section.GetChildren().Select(c => c.Value).ToList();
        if (section.Value is { } single) values.Add(single);
        var entries = values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        foreach (var entry in entries)
        {
            var valid = entry.Contains('/') ? System.Net.IPNetwork.TryParse(entry, out _) : IPAddress.TryParse(entry, out _);
            if (!valid) throw new StartupProblem($"{SettingName} has '{entry}', which is neither an IP address nor a network like 10.0.0.0/8.");
        }
        return entries;
    }
}
