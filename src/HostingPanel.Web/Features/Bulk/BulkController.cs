using System.Text;
using HostingPanel.Application.Bulk;
using HostingPanel.Application.Domains;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Bulk;

/// <summary>What the import page shows: the domain, the file being imported (kept for the confirming post) and the outcome.</summary>
public sealed class BulkImportPage
{
    public required DomainView Domain { get; init; }
    public string? Csv { get; init; }
    public BulkImportResult? Result { get; init; }
}

/// <summary>
/// Bulk CSV of a domain in the portal: upload, a dry-run table of what each line would do, then a confirming post
/// that applies the same file; and the export of the same CSV. The API's import and export, on the same services.
/// </summary>
[Route("domains/{domain}"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class BulkController(DomainService domains, BulkImportService import, BulkExportService export) : PortalController
{
    [HttpGet("import")]
    public async Task<IActionResult> Import(string domain, CancellationToken ct)
    {
        var d = await domains.GetAsync(domain, ct);
        return d.Succeeded ? View(new BulkImportPage { Domain = d.Value! }) : NotFound();
    }

    /// <summary>The uploaded file: a dry run, whose table has the button that applies it.</summary>
    [HttpPost("import"), RequestSizeLimit(BulkCsvFormat.MaxBytes + 64 * 1024)]
    public async Task<IActionResult> Preview(string domain, IFormFile? file, CancellationToken ct)
    {
        var d = await domains.GetAsync(domain, ct);
        if (!d.Succeeded) return NotFound();
        if (file is null || file.Length == 0)
        {
            ModelState.AddModelError("file", "Choose a CSV file.");
            return View("Import", new BulkImportPage { Domain = d.Value! });
        }
        if (file.Length > BulkCsvFormat.MaxBytes)
        {
            ModelState.AddModelError("file", $"The file can have at most {BulkCsvFormat.MaxBytes} bytes.");
            return View("Import", new BulkImportPage { Domain = d.Value! });
        }
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        return await RunAsync(d.Value!, Encoding.UTF8.GetString(buffer.ToArray()), dryRun: true, ct);
    }

    /// <summary>The confirmed run of the file the dry run showed (posted back from the page).</summary>
    [HttpPost("import/apply"), RequestSizeLimit(2 * BulkCsvFormat.MaxBytes + 64 * 1024)]
    public async Task<IActionResult> Apply(string domain, string? csv, CancellationToken ct)
    {
        var d = await domains.GetAsync(domain, ct);
        if (!d.Succeeded) return NotFound();
        return await RunAsync(d.Value!, csv ?? "", dryRun: false, ct);
    }

    [HttpGet("export")]
    public async Task<IActionResult> Export(string domain, string? type, CancellationToken ct)
    {
        var kind = type == "aliases" ? BulkCsvKind.Aliases : BulkCsvKind.Mailboxes;
        var result = await export.ExportAsync(domain, kind, includePasswordHashes: false, ct);
        if (!result.Succeeded) return NotFound();
        using var buffer = new MemoryStream();
        BulkCsvFormat.Write(buffer, result.Value!.Header, result.Value.Rows);
        return File(buffer.ToArray(), "text/csv; charset=utf-8", $"{domain}-{kind.ToString().ToLowerInvariant()}.csv");
    }

    private async Task<IActionResult> RunAsync(DomainView d, string csv, bool dryRun, CancellationToken ct)
    {
        BulkCsvFile file;
        try
        {
            file = BulkCsvFormat.Read(Encoding.UTF8.GetBytes(csv));
        }
        catch (BulkCsvFileException e)
        {
            ModelState.AddModelError("file", e.Message);
            return View("Import", new BulkImportPage { Domain = d });
        }
        var result = await import.ImportAsync(d.Name, file, dryRun, ct);
        if (!result.Succeeded) return NotFound();
        return View("Import", new BulkImportPage { Domain = d, Csv = dryRun ? csv : null, Result = result.Value });
    }
}
