using HostingPanel.Application.Certificates;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Domains;

/// <summary>The domain page's certificate card: ask for (or stop) a certificate of the domain's own for mail.{domain}.</summary>
[Route("domains/{name}/certificate"), RolesOr404(Roles.Admin, Roles.Reseller, Roles.Customer)]
public sealed class DomainCertificateController(DomainCertificateService certificates) : PortalController
{
    [HttpPost("")]
    public async Task<IActionResult> Ask(string name, CancellationToken ct)
    {
        var result = await certificates.RequestAsync(name, ct);
        if (result.Failure is { Kind: Application.Common.FailureKind.NotFound }) return NotFound();
        if (result.Failure is { } failure)
            TempData["Error"] = failure.Errors.Values.SelectMany(e => e).FirstOrDefault() ?? failure.Message;
        else
            Flash($"A certificate for {result.Value!.HostName} is on its way; this page shows when it is issued.");
        return Redirect($"/domains/{Uri.EscapeDataString(name)}#domain-certificate");
    }

    [HttpPost("withdraw")]
    public async Task<IActionResult> Withdraw(string name, CancellationToken ct)
    {
        var result = await certificates.WithdrawAsync(name, ct);
        if (!result.Succeeded) return NotFound();
        Flash($"{result.Value!.HostName} is no longer kept with a certificate of its own.");
        return Redirect($"/domains/{Uri.EscapeDataString(name)}#domain-certificate");
    }
}
