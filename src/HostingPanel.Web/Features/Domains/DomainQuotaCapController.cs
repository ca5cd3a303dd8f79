using HostingPanel.Application.Quotas;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Domains;

/// <summary>The domain page's quota card (issue 19 item 7): the domain's own cap on its mailboxes' quotas, inside the plan.</summary>
[Route("domains/{name}/quota-cap"), RolesOr404(Roles.Admin, Roles.Reseller, Roles.Customer)]
public sealed class DomainQuotaCapController(DomainQuotaService quotas) : PortalController
{
    /// <param name="capMb">Empty removes the cap.</param>
    [HttpPost("")]
    public async Task<IActionResult> Set(string name, long? capMb, CancellationToken ct)
    {
        var result = await quotas.SetCapAsync(name, capMb, ct);
        if (result.Failure is { Kind: Application.Common.FailureKind.NotFound }) return NotFound();
        if (result.Failure is { } failure)
            TempData["Error"] = failure.Errors.Values.SelectMany(e => e).FirstOrDefault() ?? failure.Message;
        else
            Flash(capMb is { } cap ? $"The mailboxes of {name} may now hold {Format.Mb(cap)} together." : $"{name} has no cap of its own now: only the plan limits it.");
        return Redirect($"/domains/{Uri.EscapeDataString(name)}#domain-quota");
    }
}
