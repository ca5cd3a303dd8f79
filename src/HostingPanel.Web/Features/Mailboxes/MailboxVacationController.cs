using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Mailboxes;

/// <summary>Staff (and anyone who may manage the mailbox) switch off its out-of-office reply.</summary>
[RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class MailboxVacationController(MailboxService mailboxes, IMailFilterAdmin filters) : PortalController
{
    [HttpPost("domains/{domain}/mailboxes/{localPart}/vacation/off")]
    public async Task<IActionResult> SwitchOff(string domain, string localPart, CancellationToken ct)
    {
        // The mailbox page's own scope check: outside the caller's scope the mailbox does not exist (404).
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (!mailbox.Succeeded) return NotFound();
        // Idempotent: a mailbox the engine does not have (yet) has no reply to switch off.
        await filters.SwitchOffVacationAsync(mailbox.Value!.Address, ct);
        Flash("The out-of-office reply is switched off.");
        return Redirect($"/domains/{mailbox.Value.Domain}/mailboxes/{mailbox.Value.LocalPart}");
    }
}
