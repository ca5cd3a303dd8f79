using HostingPanel.Application.Audit;
using HostingPanel.Application.Common;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Audit;

/// <summary>Who changed what, when and from where, within the user's tenants.</summary>
[Route("audit"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class AuditController(AuditLogService audit) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index([FromQuery] AuditLogFilter filter, CancellationToken ct)
    {
        if (filter.Page < 1) filter.Page = 1;
        var entries = new Page<AuditEntryView>([], 0, 1, AuditLogFilter.MaxPageSize);
        // An unreadable value (e.g. a date that is not one) already has its binding message: show it, list nothing.
        if (ModelState.IsValid)
        {
            var result = await audit.ListAsync(filter, ct);
            if (result.Succeeded) entries = result.Value!;
            else if (Show(result.Failure!) is { } notFound) return notFound;
        }
        var (customers, resellers) = await audit.TenantsAsync(ct);
        return View(new AuditPage(filter, entries, await audit.EntityTypesAsync(ct), customers, resellers));
    }

    /// <summary>Every entry the filter picks (not just this page), as CSV.</summary>
    [HttpGet("export")]
    public async Task<IActionResult> Export([FromQuery] AuditLogFilter filter, CancellationToken ct)
    {
        if (!ModelState.IsValid) return BadRequest();
        var csv = new MemoryStream();
        var failure = await audit.ExportAsync(filter, csv, ct);
        if (failure is { Kind: FailureKind.NotFound }) return NotFound();
        if (failure is not null) return BadRequest();
        csv.Position = 0;
        return File(csv, "text/csv; charset=utf-8", "audit-log.csv");
    }
}

public sealed record AuditPage(AuditLogFilter Filter, Page<AuditEntryView> Entries, IReadOnlyList<string> EntityTypes, IReadOnlyList<AuditTenant> Customers, IReadOnlyList<AuditTenant> Resellers)
{
    public string? TenantName(AuditEntryView e) =>
        Customers.FirstOrDefault(c => c.Id == e.CustomerId)?.Name ?? Resellers.FirstOrDefault(r => r.Id == e.ResellerId)?.Name;
}
