using System.Text.Json;
using System.Text.Json.Serialization;
using HostingPanel.Web.Api.Endpoints;
using HostingPanel.Web.Hosting;
using Microsoft.AspNetCore.Authorization;

namespace HostingPanel.Web.Api;

/// <summary>The REST API's services and endpoints (/api/v1, OpenAPI, rate limiting).</summary>
public static class ApiSetup
{
    public static IServiceCollection AddPanelApi(this IServiceCollection services)
    {
        // Minimal-API JSON only (MVC has its own options): camelCase, enums as camelCase strings.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        });
        services.AddApiRateLimiting();
        services.AddApiOpenApi();
        return services;
    }

    public static WebApplication MapPanelApi(this WebApplication app)
    {
        // Runs after authentication and authorization (PanelHost's order), so the limiter sees the key.
        app.UseRateLimiter();
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api/v1"), api => api.Use(async (http, next) =>
        {
            ApiBody.LimitRequestBody(http);
            if (ApiQueryValidation.Check(http.Request) is { } problem)
            {
                await problem.ExecuteAsync(http);
                return;
            }
            await next(http);
        }));

        // Minimal-API endpoints: the portal's global cookie AuthorizeFilter and antiforgery filter (MVC) do not apply.
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName })
            .RequireRateLimiting(ApiRateLimiting.PolicyName)
            .CommonProblems();
        AccountEndpoints.Map(api);
        TenantEndpoints.Map(api);
        DomainEndpoints.Map(api);

        app.MapOpenApi().AllowAnonymous();
        app.MapGet("/api/docs", () => Results.Content(ApiReferencePage.Html, "text/html; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
