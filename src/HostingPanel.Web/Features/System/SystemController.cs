using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using HostingPanel.Web.Hosting.Health;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HostingPanel.Web.Features.Operations;

/// <summary>Admins: this node's readiness checks with their reasons, its key figures, and what is not ready for production.</summary>
[Route("system"), RolesOr404(Roles.Admin)]
public sealed class SystemController(HealthCheckService health, SystemFigures figures, ProductionReadiness readiness) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(r => r.Tags.Contains(HealthSetup.ReadyTag), ct);
        return View(new SystemPage(report, figures.Read(), await readiness.CheckAsync(ct)));
    }
}

public sealed record SystemPage(HealthReport Health, IReadOnlyList<(string Name, string Value)> Figures, IReadOnlyList<ReadinessItem> Readiness);
