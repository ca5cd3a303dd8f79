using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HostingPanel.Web.Hosting.Health;

/// <summary>
/// <c>GET /health/live</c> (the process answers HTTP: no check runs) and <c>GET /health/ready</c> (every check
/// of the roles this node runs: 200 when healthy or degraded, 503 when a check fails, with the checks listed).
/// <c>GET /health</c> stays the plain "ok" it always was.
/// </summary>
public static class HealthSetup
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddPanelHealth(this IServiceCollection services, IConfiguration configuration, PanelSettings settings)
    {
        services.AddOptions<HealthOptions>().Bind(configuration.GetSection(HealthOptions.SectionName));
        var timeout = configuration.GetSection(HealthOptions.SectionName).Get<HealthOptions>()?.CheckTimeout ?? new HealthOptions().CheckTimeout;
        string[] tags = [ReadyTag];
        var checks = services.AddHealthChecks()
            .AddCheck<PanelDatabaseHealthCheck>(HealthCheckNames.PanelDatabase, HealthStatus.Unhealthy, tags, timeout);
        if (settings.Roles.Mail)
        {
            checks.AddCheck<MailDatabaseHealthCheck>(HealthCheckNames.MailDatabase, HealthStatus.Unhealthy, tags, timeout)
                .AddCheck<MailStoreHealthCheck>(HealthCheckNames.MailStore, HealthStatus.Unhealthy, tags, timeout)
                .AddCheck<MailListenersHealthCheck>(HealthCheckNames.MailListeners, HealthStatus.Unhealthy, tags, timeout)
                .AddCheck<OutboundQueueHealthCheck>(HealthCheckNames.OutboundQueue, HealthStatus.Unhealthy, tags, timeout)
                .AddCheck<CertificateHealthCheck>(HealthCheckNames.Certificate, HealthStatus.Unhealthy, tags, timeout);
        }
        if (settings.Roles.Worker && settings.Roles.Mail)
        {
            // One instance: it remembers when the process started, the grace before the worker's first pass.
            services.AddSingleton<WorkerHealthCheck>();
            checks.AddCheck<WorkerHealthCheck>(HealthCheckNames.Worker, HealthStatus.Unhealthy, tags, timeout);
        }
        return services;
    }

    public static WebApplication MapPanelHealth(this WebApplication app)
    {
        app.MapGet("/health", () => Results.Ok(new { status = "ok" })).AllowAnonymous();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
            {
                Predicate = r => r.Tags.Contains(ReadyTag),
                ResponseWriter = HealthResponseWriter.WriteAsync,
                ResultStatusCodes =
                {
                    [HealthStatus.Healthy] = StatusCodes.Status200OK,
                    [HealthStatus.Degraded] = StatusCodes.Status200OK,
                    [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
                },
            })
            .AllowAnonymous();
        return app;
    }
}

/// <summary>The readiness checks' names, as they appear in the JSON answer and on the System page.</summary>
public static class HealthCheckNames
{
    public const string PanelDatabase = "panel-database";
    public const string MailDatabase = "mail-database";
    public const string MailStore = "mail-store";
    public const string MailListeners = "mail-listeners";
    public const string OutboundQueue = "outbound-queue";
    public const string Certificate = "certificate";
    public const string Worker = "provisioning-worker";
}
