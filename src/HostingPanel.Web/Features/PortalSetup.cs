namespace HostingPanel.Web.Features;

/// <summary>The portal's own services (view helpers, portal-only queries).</summary>
public static class PortalSetup
{
    public static IServiceCollection AddPortal(this IServiceCollection services) => services;
}
