using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Features;

public static class PortalSetup
{
    /// <summary>Services of the portal's pages that the API shares.</summary>
    public static IServiceCollection AddPortal(this IServiceCollection services)
    {
        services.AddScoped<Domains.DnsRecordCheck>();
        services.AddScoped<Domains.DomainDnsReport>();
        services.AddScoped<Domains.DkimRotation>();
        services.TryAddSingleton<Domains.IDkimRecordSource, Domains.NoDkimRecords>();
        return services;
    }
}
