using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Resellers;
using HostingPanel.Application.Tenants;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Customers;

/// <summary>Admins and resellers: customers and their plans (a reseller's come out of its pool).</summary>
[Route("customers"), RolesOr404(Roles.Admin, Roles.Reseller)]
public sealed class CustomersController(CustomerService customers, ResellerService resellers, DomainService domains, TenantDeletionService deletion, IActorAccessor actor) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, Guid? resellerId = null, CancellationToken ct = default)
    {
        ViewData["q"] = q;
        await LoadPoolAsync(ct);
        ViewData["Deleted"] = new DeletedTenantsPanel("customer", "/customers", await deletion.ListDeletedCustomersAsync(ct));
        return View(await customers.ListAsync(Paging(page, q), resellerId, ct));
    }

    [HttpGet("{id:guid}/delete")]
    public async Task<IActionResult> Delete(Guid id, CancellationToken ct)
    {
        var summary = await deletion.CustomerSummaryAsync(id, ct);
        if (!summary.Succeeded) return NotFound();
        return View("~/Features/Shared/DeleteTenant.cshtml", new TenantDeletePage("customer", $"/customers/{id}/delete", $"/customers/{id}", summary.Value!));
    }

    [HttpPost("{id:guid}/delete")]
    public async Task<IActionResult> DeleteConfirmed(Guid id, CancellationToken ct)
    {
        var result = await deletion.DeleteCustomerAsync(id, ct);
        if (!result.Succeeded) return NotFound();
        Flash($"Customer {result.Value!.Name} deleted with {result.Value.Text}. It can be restored during the grace period.");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("{id:guid}/restore")]
    public async Task<IActionResult> Restore(Guid id, CancellationToken ct)
    {
        var result = await deletion.RestoreCustomerAsync(id, ct);
        if (result.Failure is { Kind: FailureKind.NotFound }) return NotFound();
        if (result.Succeeded) Flash("Customer restored with its domains, mailboxes and aliases.");
        else TempData["Error"] = result.Failure!.Message;
        return RedirectToAction(nameof(Index));
    }

    [HttpGet("new")]
    public async Task<IActionResult> Create(Guid? resellerId, CancellationToken ct)
    {
        await LoadChoicesAsync(ct);
        return View(new CreateCustomerInput { ResellerId = resellerId, Limits = new PlanLimitsInput { MaxDomains = 1, MaxMailboxes = 10, DiskQuotaMb = 5120 } });
    }

    [HttpPost("new")]
    public async Task<IActionResult> Create(CreateCustomerInput form, CancellationToken ct)
    {
        form.Limits ??= new PlanLimitsInput();
        var result = await customers.CreateAsync(form, ct);
        if (result.Succeeded)
        {
            Flash($"Customer {result.Value!.Name} created.");
            return RedirectToAction(nameof(Edit), new { id = result.Value.Id });
        }
        if (Show(result.Failure!) is { } notFound) return notFound;
        await LoadChoicesAsync(ct);
        return View(form);
    }

    [HttpGet("{id:guid}")]
    public async Task<IActionResult> Edit(Guid id, [FromServices] HostingPanel.Application.Usage.UsageHistoryService history, [FromServices] TimeProvider time,
        int page = 1, string? q = null, string? range = null, CancellationToken ct = default)
    {
        var result = await customers.GetAsync(id, ct);
        if (!result.Succeeded) return NotFound();
        var c = result.Value!;
        await LoadDetailsAsync(c, page, q, ct);
        if ((await history.ForCustomerAsync(id, HostingPanel.Application.Usage.UsageHistoryService.ParseRange(range).Succeeded ? range : null, ct)).Value is { } h)
            ViewData["History"] = new UsageHistoryChart(h, $"/customers/{id}", time.GetUtcNow());
        return View(new CustomerForm
        {
            Name = c.Name,
            Limits = new PlanLimitsInput { MaxDomains = c.Limits.MaxDomains, MaxMailboxes = c.Limits.MaxMailboxes, DiskQuotaMb = c.Limits.DiskQuotaMb },
            DefaultMailboxQuotaMb = c.DefaultMailboxQuotaMb,
        });
    }

    [HttpPost("{id:guid}")]
    public async Task<IActionResult> Edit(Guid id, CustomerForm form, CancellationToken ct)
    {
        var result = await customers.UpdateAsync(id, new UpdateCustomerInput { Name = form.Name ?? "", Limits = form.Limits ?? new(), DefaultMailboxQuotaMb = form.DefaultMailboxQuotaMb }, ct);
        if (result.Succeeded)
        {
            Flash("Customer saved.");
            return RedirectToAction(nameof(Edit), new { id });
        }
        if (Show(result.Failure!) is { } notFound) return notFound;
        var current = await customers.GetAsync(id, ct);
        if (!current.Succeeded) return NotFound();
        await LoadDetailsAsync(current.Value!, 1, null, ct);
        return View(form);
    }

    [HttpPost("{id:guid}/status")]
    public async Task<IActionResult> SetEnabled(Guid id, bool enabled, CancellationToken ct)
    {
        var result = await customers.UpdateAsync(id, new UpdateCustomerInput { Enabled = enabled }, ct);
        if (!result.Succeeded) return NotFound();
        Flash(enabled ? "Customer enabled." : "Customer suspended: its mailboxes stop working until it is enabled.");
        return RedirectToAction(nameof(Edit), new { id });
    }

    private async Task LoadDetailsAsync(CustomerView c, int page, string? q, CancellationToken ct)
    {
        ViewData["Customer"] = c;
        ViewData["q"] = q;
        ViewData["Domains"] = await domains.ListAsync(Paging(page, q), c.Id, ct);
        await LoadPoolAsync(ct);
    }

    /// <summary>A reseller sees how much of its pool is left wherever it hands out plans.</summary>
    private async Task LoadPoolAsync(CancellationToken ct)
    {
        if (actor.Actor is { IsReseller: true, ResellerId: { } rid } && await resellers.GetAsync(rid, ct) is { Succeeded: true } pool)
            ViewData["Pool"] = pool.Value;
    }

    private async Task LoadChoicesAsync(CancellationToken ct)
    {
        await LoadPoolAsync(ct);
        if (actor.Actor.IsAdmin) ViewData["Resellers"] = (await resellers.ListAsync(new PageRequest(1, PageRequest.MaxPageSize), ct)).Items;
    }
}

/// <summary>The edit form; field names match UpdateCustomerInput.</summary>
public sealed class CustomerForm
{
    public string? Name { get; set; }
    public PlanLimitsInput? Limits { get; set; }
    public long? DefaultMailboxQuotaMb { get; set; }
}
