using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Reports;

/// <summary>Reports over the caller's mailboxes: "POP3 programs that never delete", with the one-click fix on each line.</summary>
[Route("reports"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class ReportsController(MailboxActivityService activity) : PortalController
{
    [HttpGet("pop3-keepers")]
    public async Task<IActionResult> Pop3Keepers(CancellationToken ct)
    {
        var result = await activity.ListPop3KeepersAsync(ct);
        if (!result.Succeeded) return NotFound();
        return View("~/Features/Reports/Pop3Keepers.cshtml", result.Value);
    }
}
