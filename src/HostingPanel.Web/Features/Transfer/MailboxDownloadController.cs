using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Transfer;

/// <summary>Mailbox downloads in the portal: the owner its own mailbox (/my/export), staff and tenants any mailbox in their scope.</summary>
public sealed class MailboxDownloadController(MailboxService mailboxes, MailboxExporter exporter) : PortalController
{
    [HttpGet("my/export"), RolesOr404(Roles.MailboxUser)]
    public async Task<IActionResult> Own(string? format, CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (!own.Succeeded || MailboxExporter.ParseFormat(format) is not { } f) return NotFound();
        return await WriteAsync(own.Value!.Address, f, ct);
    }

    [HttpGet("domains/{domain}/mailboxes/{localPart}/export"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
    public async Task<IActionResult> Any(string domain, string localPart, string? format, CancellationToken ct)
    {
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (!mailbox.Succeeded || MailboxExporter.ParseFormat(format) is not { } f) return NotFound();
        return await WriteAsync(mailbox.Value!.Address, f, ct);
    }

    private async Task<IActionResult> WriteAsync(string address, ExportFormat format, CancellationToken ct) =>
        await exporter.WriteAsync(HttpContext, address, format, folder: null, ct) ? new EmptyResult() : NotFound();
}
