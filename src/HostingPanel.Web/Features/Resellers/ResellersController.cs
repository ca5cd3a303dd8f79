using HostingPanel.Application.Resellers;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Resellers;

/// <summary>Admins: resellers, their pools, overselling and suspension.</summary>
[Route("resellers"), RolesOr404(Roles.Admin)]
public sealed class ResellersController(ResellerService resellers, HostingPanel.Application.Tenants.TenantDeletionService deletion) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        ViewData["q"] = q;
        ViewData["Deleted"] = new DeletedTenantsPanel("reseller", "/resellers", await deletion.ListDeletedResellersAsync(ct));
        return View(await resellers.ListAsync(Paging(page, q), ct));
    }

    [HttpGet("{id:guid}/delete")]
    public async Task<IActionResult> Delete(Guid id, CancellationToken ct)
    {
        var summary = await deletion.ResellerSummaryAsync(id, ct);
        if (!summary.Succeeded) return NotFound();
        return View("~/Features/Shared/DeleteTenant.cshtml", new TenantDeletePage("reseller", $"/resellers/{id}/delete", $"/resellers/{id}", summary.Value!));
    }

    [HttpPost("{id:guid}/delete")]
    public async Task<IActionResult> DeleteConfirmed(Guid id, CancellationToken ct)
    {
        var result = await deletion.DeleteResellerAsync(id, ct);
        if (!result.Succeeded) return NotFound();
        Flash($"Reseller {result.Value!.Name} deleted with {result.Value.Text}. It can be restored during the grace period.");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("{id:guid}/restore")]
    public async Task<IActionResult> Restore(Guid id, CancellationToken ct)
    {
        var result = await deletion.RestoreResellerAsync(id, ct);
        if (!result.Succeeded) return NotFound();
        Flash("Reseller restored with its customers, domains, mailboxes and aliases.");
        return RedirectToAction(nameof(Index));
    }

    [HttpGet("new")]
    public IActionResult Create() => View(new CreateResellerInput { Limits = new PoolLimitsInput { MaxCustomers = 10, MaxDomains = 20, MaxMailboxes = 200, DiskQuotaMb = 51200 } });

    [HttpPost("new")]
    public async Task<IActionResult> Create(CreateResellerInput form, CancellationToken ct)
    {
        form.Limits ??= new PoolLimitsInput();
        var result = await resellers.CreateAsync(form, ct);
        if (result.Succeeded)
        {
            Flash($"Reseller {result.Value!.Name} created.");
            return RedirectToAction(nameof(Edit), new { id = result.Value.Id });
        }
        return Show(result.Failure!) ?? View(form);
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Edit(Guid id, [FromServices] HostingPanel.Application.Usage.UsageHistoryService history, [FromServices] TimeProvider time,
        string? range, CancellationToken ct)
    {
        var result = await resellers.GetAsync(id, ct);
        if (!result.Succeeded) return NotFound();
        var r = result.Value!;
        ViewData["Reseller"] = r;
        if ((await history.ForResellerAsync(id, HostingPanel.Application.Usage.UsageHistoryService.ParseRange(range).Succeeded ? range : null, ct)).Value is { } h)
            ViewData["History"] = new UsageHistoryChart(h, $"/resellers/{id}", time.GetUtcNow());
        return View(new ResellerForm
        {
            Name = r.Name,
            OversellPercent = r.OversellPercent,
            Limits = new PoolLimitsInput { MaxCustomers = r.Limits.MaxCustomers, MaxDomains = r.Limits.MaxDomains, MaxMailboxes = r.Limits.MaxMailboxes, DiskQuotaMb = r.Limits.DiskQuotaMb },
        });
    }

    [HttpPost("{id:guid}")]
    public async Task<IActionResult> Edit(Guid id, ResellerForm form, CancellationToken ct)
    {
        var result = await resellers.UpdateAsync(id, new UpdateResellerInput { Name = form.Name ?? "", OversellPercent = form.OversellPercent, Limits = form.Limits ?? new() }, ct);
        if (result.Succeeded)
        {
            Flash("Reseller saved.");
            return RedirectToAction(nameof(Edit), new { id });
        }
        if (Show(result.Failure!) is { } notFound) return notFound;
        var current = await resellers.GetAsync(id, ct);
        ViewData["Reseller"] = current.Value;
        return View(form);
    }

    /// <summary>The language and time zone of the reseller's tree where its users chose none.</summary>
    [HttpPost("{id:guid}/defaults")]
    public async Task<IActionResult> Defaults(Guid id, HostingPanel.Application.Localization.PreferencesInput form,
        [FromServices] HostingPanel.Application.Localization.ResellerDefaults defaults, CancellationToken ct)
    {
        var result = await defaults.SetAsync(id, form, ct);
        if (result.Failure is { Kind: HostingPanel.Application.Common.FailureKind.NotFound }) return NotFound();
        if (result.Failure is { } failure) TempData["Error"] = Text.T(failure.Errors.Values.SelectMany(m => m).FirstOrDefault() ?? failure.Message);
        else Flash("The reseller's language and time zone were saved.");
        return RedirectToAction(nameof(Edit), new { id });
    }

    [HttpPost("{id:guid}/status")]
    public async Task<IActionResult> SetEnabled(Guid id, bool enabled, CancellationToken ct)
    {
        var result = await resellers.UpdateAsync(id, new UpdateResellerInput { Enabled = enabled }, ct);
        if (!result.Succeeded) return NotFound();
        Flash(enabled ? "Reseller enabled." : "Reseller suspended: its customers' mailboxes stop working until it is enabled.");
        return RedirectToAction(nameof(Edit), new { id });
    }
}

/// <summary>The edit form; field names match UpdateResellerInput, so the service's messages land next to them.</summary>
public sealed class ResellerForm
{
    public string? Name { get; set; }
    public int? OversellPercent { get; set; }
    public PoolLimitsInput? Limits { get; set; }
}
