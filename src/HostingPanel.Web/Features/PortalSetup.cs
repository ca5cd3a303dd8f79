using HostingPanel.Application.Common;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Features;

/// <summary>The portal's own services (view helpers, portal-only queries).</summary>
public static class PortalSetup
{
    public static IServiceCollection AddPortal(this IServiceCollection services)
    {
        // A portal-only process (Roles=Portal) has no worker to wake; the worker's own signal, registered
        // before or after this, takes precedence (TryAdd here, last registration wins when resolved).
        services.TryAddSingleton<IOutboxSignal, NoOutboxSignal>();
        return services;
    }
}
