using System.Text.Json;
using System.Text.Json.Serialization;
using HostingPanel.Application.Common;
using HostingPanel.Web.Api.Endpoints;
using HostingPanel.Web.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
            // Numbers are JSON numbers: "quotaMb": "5" is a 400 naming the field, and the OpenAPI schema says integer.
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        });
        services.Configure<ProblemDetailsOptions>(o =>
        {
            var previous = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                ExplainFrameworkProblem(context);
            };
        });
        services.AddApiRateLimiting();
        services.AddApiOpenApi();
        return services;
    }

    /// <summary>Routing answers some /api/v1 errors itself (no such route, wrong method, wrong body type): say what to do.</summary>
    private static void ExplainFrameworkProblem(ProblemDetailsContext context)
    {
        var request = context.HttpContext.Request;
        if (!request.Path.StartsWithSegments("/api/v1") || context.ProblemDetails.Detail is not null) return;
        context.ProblemDetails.Detail = context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => $"There is no {request.Path} in this API; see /api/docs.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}; allowed: {context.HttpContext.Response.Headers.Allow}.",
            StatusCodes.Status415UnsupportedMediaType => $"Send the body as JSON with 'Content-Type: application/json' (got '{request.ContentType ?? "none"}').",
            _ => null,
        };
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
            try
            {
                await next(http);
            }
            catch (Exception e) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
            {
                // The portal's /error page is for browsers; API clients get a problem+json 500 with the trace id to report.
                http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("HostingPanel.Web.Api")
                    .LogError(e, "Unhandled error in {Method} {Path}", http.Request.Method, http.Request.Path);
                http.Response.Clear();
                await Results.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status500InternalServerError,
                    Title = "Internal server error",
                    Detail = "Something went wrong on our side. It has been logged.",
                    Extensions = { ["traceId"] = System.Diagnostics.Activity.Current?.Id ?? http.TraceIdentifier },
                }).ExecuteAsync(http);
            }
        }));

        // Minimal-API endpoints: the portal's global cookie AuthorizeFilter and antiforgery filter (MVC) do not apply.
        var api = app.MapGroup("/api/v1")
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = ApiKeyAuthenticationHandler.SchemeName })
            .RequireRateLimiting(ApiRateLimiting.PolicyName)
            .CommonProblems();
        AccountEndpoints.Map(api);
        LoginEndpoints.Map(api);
        TenantEndpoints.Map(api);
        DomainEndpoints.Map(api);
        DomainCertificateEndpoints.Map(api);
        BulkEndpoints.Map(api);
        MailboxTransferEndpoints.Map(api);
        MigrationEndpoints.Map(api);
        DeliveryEndpoints.Map(api);
        SendingHoldEndpoints.Map(api);
        ReportEndpoints.Map(api);

        app.MapOpenApi().AllowAnonymous();
        app.MapGet("/api/docs", () => Results.Content(ApiReferencePage.Html, "text/html; charset=utf-8"))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}
