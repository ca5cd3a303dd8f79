using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Api.Endpoints;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Transfer;

/// <summary>
/// Mailbox downloads and uploads in the portal: the owner its own mailbox (/my/export, /my/import), staff and tenants any
/// mailbox in their scope (/domains/{domain}/mailboxes/{localPart}/export and /import). A download given
/// <c>?progress={token}</c> reports its bytes to <c>/export-progress/{token}</c>, which the page's progress bar reads.
/// </summary>
public sealed class MailboxDownloadController(MailboxService mailboxes, MailboxExporter exporter, MailboxImportUpload upload, ExportProgress progress) : PortalController
{

    [HttpGet("my/export"), RolesOr404(Roles.MailboxUser)]
    public async Task<IActionResult> Own(string? format, string? folder, [FromQuery(Name = "progress")] string? token, CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (!own.Succeeded || MailboxExporter.ParseFormat(format) is not { } f) return NotFound();
        return await WriteAsync(own.Value!.Address, f, folder, token, ct);
    }

    [HttpGet("domains/{domain}/mailboxes/{localPart}/export"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
    public async Task<IActionResult> Any(string domain, string localPart, string? format, string? folder, [FromQuery(Name = "progress")] string? token, CancellationToken ct)
    {
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (!mailbox.Succeeded || MailboxExporter.ParseFormat(format) is not { } f) return NotFound();
        return await WriteAsync(mailbox.Value!.Address, f, folder, token, ct);
    }

    /// <summary>How far the signed-in user's download named <paramref name="token"/> is: <c>{bytes, total, done}</c>.</summary>
    [HttpGet("export-progress/{token}"), RolesOr404(Roles.MailboxUser, Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
    public IActionResult Progress(string token) =>
        progress.Get(User.Identity!.Name!, token) is { } p ? Json(new { bytes = p.Bytes, total = p.Total, done = p.Done }) : NotFound();

    [HttpPost("my/import"), RolesOr404(Roles.MailboxUser)]
    [RequestSizeLimit(MailboxTransferEndpoints.MaxImportBytes), RequestFormLimits(MultipartBodyLengthLimit = MailboxTransferEndpoints.MaxImportBytes)]
    public async Task<IActionResult> ImportOwn(IFormFile? file, string? format, string? folder, CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        if (!own.Succeeded) return NotFound();
        return await ImportAsync(own.Value!.Address, "/my", file, format, folder, ct);
    }

    [HttpPost("domains/{domain}/mailboxes/{localPart}/import"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
    [RequestSizeLimit(MailboxTransferEndpoints.MaxImportBytes), RequestFormLimits(MultipartBodyLengthLimit = MailboxTransferEndpoints.MaxImportBytes)]
    public async Task<IActionResult> ImportAny(string domain, string localPart, IFormFile? file, string? format, string? folder, CancellationToken ct)
    {
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (!mailbox.Succeeded) return NotFound();
        return await ImportAsync(mailbox.Value!.Address, $"/domains/{mailbox.Value.Domain}/mailboxes/{mailbox.Value.LocalPart}", file, format, folder, ct);
    }

    private async Task<IActionResult> ImportAsync(string address, string back, IFormFile? file, string? format, string? folder, CancellationToken ct)
    {
        var result = new MailboxImportResult(address, back);
        if (file is null || file.Length == 0) result = result with { Problem = "Choose an export file (mbox, or a Maildir zip) to import." };
        else if (MailboxExporter.ParseFormat(format ?? (file.FileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? "maildir" : "mbox")) is not { } f)
            result = result with { Problem = "The format must be mbox or maildir." };
        else
        {
            await using var stream = file.OpenReadStream();
            var outcome = await upload.ImportAsync(address, f, string.IsNullOrWhiteSpace(folder) ? null : folder.Trim(), stream, ct);
            result = outcome switch
            {
                { NotFound: true } => result with { Problem = "The mailbox is not active in the mail engine yet; import when its status is active." },
                { Problem: { } problem } => result with { Problem = problem },
                _ => result with { Report = outcome.Report },
            };
        }
        if (result.Problem is not null) Response.StatusCode = StatusCodes.Status400BadRequest;
        // The page's script uploads with a progress bar and shows only the result; without script the whole page comes back.
        return Request.Headers.XRequestedWith == "XMLHttpRequest" ? PartialView("/Features/Transfer/_ImportResult.cshtml", result) : View("/Features/Transfer/ImportResult.cshtml", result);
    }

    private async Task<IActionResult> WriteAsync(string address, ExportFormat format, string? folder, string? token, CancellationToken ct)
    {
        var user = User.Identity!.Name!;
        return await exporter.WriteAsync(HttpContext, address, format, string.IsNullOrWhiteSpace(folder) ? null : folder, ct,
            total => progress.Start(user, token, total)) ? new EmptyResult() : NotFound();
    }
}

/// <summary>What an import in the portal did (<see cref="Report"/>) or why it was refused (<see cref="Problem"/>).</summary>
public sealed record MailboxImportResult(string Address, string Back, HostingPanel.MailEngine.Transfer.ImportReport? Report = null, string? Problem = null);
