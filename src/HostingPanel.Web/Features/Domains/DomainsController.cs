using System.Text.Json;
using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Dashboard;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Domains;

/// <summary>Domains in the user's scope: list, add (inside the plan), overview with usage chart and mailboxes, delete.</summary>
[Route("domains"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class DomainsController(DomainService domains, CustomerService customers, MailboxService mailboxes, DashboardService dashboard, IActorAccessor actor,
    DomainDnsReport dnsReport, Application.Certificates.DomainCertificateService certificates) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(int page = 1, string? q = null, CancellationToken ct = default)
    {
        ViewData["q"] = q;
        ViewData["Deleted"] = await domains.ListDeletedAsync(ct: ct);
        return View(await domains.ListAsync(Paging(page, q), null, ct));
    }

    /// <summary>Brings a deleted domain back with the mailboxes and aliases that went with it (within the grace period).</summary>
    [HttpPost("{name}/restore")]
    public async Task<IActionResult> Restore(string name, CancellationToken ct)
    {
        var result = await domains.RestoreAsync(name, ct);
        if (!result.Succeeded)
        {
            if (result.Failure!.Kind == FailureKind.NotFound) return NotFound();
            TempData["Error"] = result.Failure.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Failure.Message;
            return RedirectToAction(nameof(Index));
        }
        Flash($"Domain {result.Value!.DisplayName} restored with {result.Value.MailboxCount} mailboxes.");
        return RedirectToAction(nameof(Details), new { name = result.Value.Name });
    }

    /// <summary>Suspends the domain (its mailboxes refuse logins and mail) or brings it back: the provider's decision.</summary>
    [HttpPost("{name}/suspend")]
    public Task<IActionResult> Suspend(string name, CancellationToken ct) => SetSuspendedAsync(name, true, ct);

    [HttpPost("{name}/resume")]
    public Task<IActionResult> Resume(string name, CancellationToken ct) => SetSuspendedAsync(name, false, ct);

    private async Task<IActionResult> SetSuspendedAsync(string name, bool suspended, CancellationToken ct)
    {
        var result = await domains.SetSuspendedAsync(name, suspended, ct);
        if (!result.Succeeded)
        {
            if (result.Failure!.Kind == FailureKind.NotFound) return NotFound();
            TempData["Error"] = result.Failure.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? result.Failure.Message;
            return RedirectToAction(nameof(Details), new { name });
        }
        Flash(suspended
            ? $"Domain {result.Value!.DisplayName} is suspended: its mailboxes refuse logins and mail, and keep what they have."
            : $"Domain {result.Value!.DisplayName} is back in service.");
        return RedirectToAction(nameof(Details), new { name = result.Value.Name });
    }

    [HttpGet("new")]
    public async Task<IActionResult> Create(Guid? customerId, CancellationToken ct)
    {
        if (!actor.Actor.CanManageDomains()) return NotFound();
        await LoadCustomersAsync(ct);
        return View(new CreateDomainInput { CustomerId = customerId });
    }

    [HttpPost("new")]
    public async Task<IActionResult> Create(CreateDomainInput form, CancellationToken ct)
    {
        var result = await domains.CreateAsync(form, ct);
        if (result.Succeeded)
        {
            Flash($"Domain {result.Value!.DisplayName} added.");
            return RedirectToAction(nameof(Details), new { name = result.Value.Name });
        }
        if (Show(result.Failure!) is { } notFound) return notFound;
        await LoadCustomersAsync(ct);
        return View(form);
    }

    [HttpGet("{name}")]
    public async Task<IActionResult> Details(string name, int page = 1, string? q = null, bool checkDns = false, CancellationToken ct = default)
    {
        var domain = await domains.GetAsync(name, ct);
        if (!domain.Succeeded) return NotFound();
        var list = await mailboxes.ListAsync(name, Paging(page, q), ct);
        if (!list.Succeeded) return NotFound();
        var usage = await dashboard.DomainUsageAsync(name, 30, ct);
        ViewData["q"] = q;
        ViewData["Mailboxes"] = list.Value;
        ViewData["Certificate"] = (await certificates.GetAsync(name, ct)).Value;
        // Live lookups only when asked: a dozen queries to outside resolvers on every view would make the page slow.
        ViewData["Dns"] = checkDns
            ? await dnsReport.ForAsync(domain.Value!, ct)
            : (await dnsReport.RecordsAsync(domain.Value!, ct)).Select(r => new CheckedDnsRecord(r, DnsRecordCheck.NotChecked, [], null)).ToList();
        // The chart's data travels in an attribute (HTML-encoded by Razor), read by /js/usage-chart.js.
        ViewData["Usage"] = JsonSerializer.Serialize((usage.Value ?? []).Select(p => new { t = p.At.ToUnixTimeMilliseconds(), mb = Math.Round(p.UsedBytes / 1048576.0, 2) }));
        return View(domain.Value);
    }

    [HttpPost("{name}/verify")]
    public async Task<IActionResult> Verify(string name, CancellationToken ct)
    {
        var result = await domains.VerifyAsync(name, ct);
        if (!result.Succeeded) return NotFound();
        Flash(result.Value!.Verified
            ? $"Domain {result.Value.DisplayName} is verified."
            : $"The TXT record {result.Value.VerificationRecord.Name} was not found yet. DNS changes can take a while to appear; the panel keeps looking.");
        return RedirectToAction(nameof(Details), new { name = result.Value.Name });
    }

    [HttpPost("{name}/verify-by-hand")]
    public async Task<IActionResult> VerifyByHand(string name, CancellationToken ct)
    {
        var result = await domains.VerifyByHandAsync(name, ct);
        if (!result.Succeeded) return NotFound();
        Flash($"Domain {result.Value!.DisplayName} is marked verified (recorded in the audit log).");
        return RedirectToAction(nameof(Details), new { name = result.Value.Name });
    }

    [HttpGet("{name}/delete")]
    public async Task<IActionResult> Delete(string name, CancellationToken ct)
    {
        if (!actor.Actor.CanManageDomains()) return NotFound();
        var domain = await domains.GetAsync(name, ct);
        return domain.Succeeded ? View(domain.Value) : NotFound();
    }

    [HttpPost("{name}/delete")]
    public async Task<IActionResult> DeleteConfirmed(string name, CancellationToken ct)
    {
        var result = await domains.DeleteAsync(name, ct);
        if (!result.Succeeded) return NotFound();
        Flash($"Domain {name} deleted. Its mail is kept for the grace period.");
        return RedirectToAction(nameof(Index));
    }

    private async Task LoadCustomersAsync(CancellationToken ct)
    {
        if (actor.Actor.IsAdmin || actor.Actor.IsReseller)
            ViewData["Customers"] = (await customers.ListAsync(new PageRequest(1, PageRequest.MaxPageSize), null, ct)).Items;
    }
}
