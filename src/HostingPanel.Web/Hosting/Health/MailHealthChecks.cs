using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting.Health;

/// <summary>The engine database answers (see <see cref="MailEngineHealth.ProbeDatabaseAsync"/>).</summary>
public sealed class MailDatabaseHealthCheck(MailEngineHealth engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await engine.ProbeDatabaseAsync(ct);
            return HealthCheckResult.Healthy("the mail database answers");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("the mail database does not answer", e);
        }
    }
}

/// <summary>A file can be written and fsynced where message bodies go.</summary>
public sealed class MailStoreHealthCheck(MailEngineHealth engine) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await engine.ProbeStoreAsync(ct);
            return HealthCheckResult.Healthy("the message store is writable");
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("the message store is not writable", e);
        }
    }
}

/// <summary>Every mail listener enabled in configuration holds its bound socket.</summary>
public sealed class MailListenersHealthCheck(MailEngineHealth engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var unbound = engine.UnboundListeners();
        var bound = engine.BoundListeners.ToDictionary(l => l.Key, l => (object)l.Value.ToString());
        return Task.FromResult(unbound.Count == 0
            ? HealthCheckResult.Healthy($"{engine.ConfiguredListeners().Count} listener(s) bound", bound)
            : HealthCheckResult.Unhealthy("not listening: " + string.Join(", ", unbound), data: bound));
    }
}

/// <summary>The outbound queue's oldest entry: degraded past Health:QueueWarningAge (mail is not leaving).</summary>
public sealed class OutboundQueueHealthCheck(MailEngineHealth engine, IOptions<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var stats = await engine.QueueAsync(ct);
        var age = stats.OldestCreatedAt is { } oldest ? time.GetUtcNow() - oldest : TimeSpan.Zero;
        var data = new Dictionary<string, object> { ["depth"] = stats.Depth, ["oldestAgeSeconds"] = (long)age.TotalSeconds };
        var text = stats.Depth == 0 ? "the outbound queue is empty" : $"{stats.Depth} queued, the oldest for {Format(age)}";
        return age > options.Value.QueueWarningAge ? HealthCheckResult.Degraded(text, data: data) : HealthCheckResult.Healthy(text, data);
    }

    internal static string Format(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{(int)age.TotalDays} d {age.Hours} h" : age.TotalHours >= 1 ? $"{(int)age.TotalHours} h {age.Minutes} min" : $"{(int)age.TotalMinutes} min {age.Seconds} s";
}

/// <summary>The mail certificate: degraded within Health:CertificateWarningDays of expiry, failing once expired.</summary>
public sealed class CertificateHealthCheck(MailEngineHealth engine, IOptions<HealthOptions> options, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        MailCertificateStatus certificate;
        try
        {
            certificate = engine.Certificate();
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the TLS certificate cannot be loaded", e));
        }
        var left = certificate.NotAfter - time.GetUtcNow();
        var data = new Dictionary<string, object>
        {
            ["subject"] = certificate.Subject, ["notAfter"] = certificate.NotAfter.ToString("O"), ["selfSigned"] = certificate.SelfSigned,
        };
        var text = $"{certificate.Subject}{(certificate.SelfSigned ? " (self-signed)" : "")}, valid until {certificate.NotAfter:yyyy-MM-dd}";
        if (left <= TimeSpan.Zero)
            return Task.FromResult(HealthCheckResult.Unhealthy("expired: " + text, data: data));
        if (left < TimeSpan.FromDays(options.Value.CertificateWarningDays))
            return Task.FromResult(HealthCheckResult.Degraded($"expires in {(int)left.TotalDays} day(s): " + text, data: data));
        return Task.FromResult(HealthCheckResult.Healthy(text, data));
    }
}
