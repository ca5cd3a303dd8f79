namespace HostingPanel.Web.Api;

/// <summary>The REST API's services and endpoints (/api/v1, OpenAPI, rate limiting).</summary>
public static class ApiSetup
{
    public static IServiceCollection AddPanelApi(this IServiceCollection services) => services;

    public static WebApplication MapPanelApi(this WebApplication app) => app;
}
