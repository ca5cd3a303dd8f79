using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HostingPanel.Web.Hosting.Health;

/// <summary>
/// <c>{status, failing:[names], checks:[{name, status, description, durationMs}]}</c>. The endpoints are anonymous
/// (load balancers and orchestrators call them), so only the checks' own sentences go out: exception texts
/// (paths, host names, SQL) stay in the log and on the admin's System page.
/// </summary>
public static class HealthResponseWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("HostingPanel.Health");
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
            logger.LogWarning(entry.Exception, "Health check {Name} is {Status}: {Description}", name, entry.Status, entry.Description);
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = Name(report.Status),
            failing = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Key).ToList(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = Name(e.Value.Status),
                description = e.Value.Description,
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }

    public static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
