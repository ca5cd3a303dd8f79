using HostingPanel.MailEngine.Hosting;
using HostingPanel.Provisioning;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HostingPanel.Web.Hosting.Metrics;

/// <summary>
/// OpenTelemetry metrics in Prometheus text format on <c>GET /metrics</c>: the engine's and the worker's meters
/// (System.Diagnostics.Metrics, no OpenTelemetry dependency there), ASP.NET Core's and the .NET runtime's.
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    public static IServiceCollection AddPanelMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new MetricsOptions();
        services.AddSingleton(new MetricsAccess(options));
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("hostingpanel"))
            .WithMetrics(m => m
                .AddMeter(MailMetrics.MeterName, WorkerStatus.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .RenameCountGauges()
                // Every scrape sees the figures of that moment (the default caches an answer for 300 ms).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>
    /// The runtime names a few gauges <c>*.count</c>, which Prometheus reserves for histograms and summaries
    /// (<c>promtool check metrics</c> rejects them); they are published under names without the suffix.
    /// </summary>
    private static MeterProviderBuilder RenameCountGauges(this MeterProviderBuilder builder)
    {
        foreach (var (from, to) in RenamedRuntimeGauges)
            builder.AddView(from, new MetricStreamConfiguration { Name = to });
        return builder;
    }

    public static readonly IReadOnlyList<(string From, string To)> RenamedRuntimeGauges =
    [
        ("dotnet.assembly.count", "dotnet.assemblies.loaded"),
        ("dotnet.process.cpu.count", "dotnet.process.cpus"),
        ("dotnet.thread_pool.thread.count", "dotnet.thread_pool.threads"),
        ("dotnet.timer.count", "dotnet.timers"),
    ];

    public static WebApplication MapPanelMetrics(this WebApplication app)
    {
        var access = app.Services.GetRequiredService<MetricsAccess>();
        app.MapPrometheusScrapingEndpoint(Path, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            if (access.IsAllowed(context))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }), optionsName: null);
        return app;
    }
}
