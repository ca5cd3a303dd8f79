using System.Text;
using HostingPanel.Application.Bulk;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Migrations;

/// <summary>What the migrations import page shows: the dry run's table, and the checked file for the confirming post.</summary>
public sealed class MigrationImportPage
{
    public MigrationImportResult? Result { get; init; }
    /// <summary>The checked file, encrypted for this purpose and valid 30 minutes: it holds the old hosts' passwords.</summary>
    public string? ProtectedCsv { get; init; }
}

/// <summary>
/// Many IMAP migrations from one CSV file in the portal (issue 22): upload, a dry run that shows what each line would do,
/// a confirming post that queues the same file, and the batch page with a progress bar per mailbox and overall, with
/// pause and resume. The same <see cref="MigrationCsvImport"/> as <c>POST /api/v1/migrations/import</c>.
/// </summary>
[Route("migrations"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class MigrationImportController(MigrationCsvImport import, MigrationService migrations, IDataProtectionProvider protection) : PortalController
{
    private const string Purpose = "HostingPanel.Migrations.PortalImport";
    // The views live beside MigrationsController's, in the feature's folder (not a folder named after this controller).
    private const string ImportView = "/Features/Migrations/Import.cshtml";
    private static readonly TimeSpan FileLifetime = TimeSpan.FromMinutes(30);
    /// <summary>At most this many jobs on one batch page (the import's own limit).</summary>
    private const int MaxBatch = MigrationCsvImport.MaxLines;

    private ITimeLimitedDataProtector Protector => protection.CreateProtector(Purpose).ToTimeLimitedDataProtector();

    [HttpGet("import")]
    public IActionResult Import() => View(ImportView, new MigrationImportPage());

    [HttpPost("import"), RequestSizeLimit(BulkCsvFormat.MaxBytes + 64 * 1024)]
    public async Task<IActionResult> Preview(IFormFile? file, CancellationToken ct)
    {
        if (file is null || file.Length == 0) return Refuse("Choose a CSV file.");
        if (file.Length > BulkCsvFormat.MaxBytes) return Refuse($"The file can have at most {BulkCsvFormat.MaxBytes} bytes.");
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, ct);
        return await RunAsync(buffer.ToArray(), dryRun: true, ct);
    }

    /// <summary>The confirmed run of the file the dry run showed; an expired or tampered file is refused, nothing queued.</summary>
    [HttpPost("import/apply")]
    public async Task<IActionResult> Apply(string? file, CancellationToken ct)
    {
        byte[] csv;
        try
        {
            csv = Encoding.UTF8.GetBytes(Protector.Unprotect(file ?? ""));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return Refuse("The checked file has expired (30 minutes) or was changed; upload it again.");
        }
        var result = await RunAsync(csv, dryRun: false, ct);
        if (ViewData["Queued"] is IReadOnlyList<string> { Count: > 0 } ids)
            return Redirect("/migrations/batch?ids=" + string.Join(",", ids));
        return result;
    }

    /// <summary>A progress bar per job and one for the whole batch; jobs outside the caller's scope are left out.</summary>
    [HttpGet("batch")]
    public async Task<IActionResult> Batch(string? ids, CancellationToken ct)
    {
        var jobs = new List<MigrationDto>();
        foreach (var id in (ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().Take(MaxBatch))
            if ((await migrations.GetAsync(id, ct)).Value is { } job)
                jobs.Add(MigrationDto.From(job));
        return View("/Features/Migrations/Batch.cshtml", new MigrationBatch(jobs, ids ?? ""));
    }

    [HttpPost("{id}/pause")]
    public async Task<IActionResult> Pause(string id, string? back, CancellationToken ct) =>
        Answer(await migrations.PauseAsync(id, ct), id, back, "Paused: it stops after the message it is copying.");

    [HttpPost("{id}/resume")]
    public async Task<IActionResult> Resume(string id, string? back, CancellationToken ct) =>
        Answer(await migrations.ResumeAsync(id, ct), id, back, "Resumed: it copies only what is not here yet.");

    private IActionResult Answer(Application.Common.ServiceResult<MailEngine.Transfer.MigrationJob> result, string id, string? back, string done)
    {
        if (result.Failure is { Kind: Application.Common.FailureKind.NotFound }) return NotFound();
        if (result.Failure is { } failure) TempData["Error"] = failure.Message;
        else Flash(done);
        // Back to the batch page it came from, or the job's own page (only local batch links: no open redirect).
        return Redirect(back is not null && back.StartsWith("/migrations/batch?ids=", StringComparison.Ordinal) && !back.Contains("//") ? back : $"/migrations/{id}");
    }

    private async Task<IActionResult> RunAsync(byte[] csv, bool dryRun, CancellationToken ct)
    {
        IReadOnlyList<BulkCsvRow> rows;
        try
        {
            rows = MigrationCsvImport.Read(csv);
        }
        catch (BulkCsvFileException e)
        {
            return Refuse(e.Message);
        }
        var result = await import.ImportAsync(rows, dryRun, ct);
        if (!dryRun) ViewData["Queued"] = result.Results.Where(r => r.Id is not null).Select(r => r.Id!).ToList();
        return View(ImportView, new MigrationImportPage
        {
            Result = result,
            ProtectedCsv = dryRun && result.Queue > 0 ? Protector.Protect(Encoding.UTF8.GetString(csv), FileLifetime) : null,
        });
    }

    private ViewResult Refuse(string message)
    {
        ModelState.AddModelError("file", message);
        return View(ImportView, new MigrationImportPage());
    }
}

/// <summary>The batch page's jobs, and the ids it was opened with (its own link, for refresh and the pause buttons).</summary>
public sealed record MigrationBatch(IReadOnlyList<MigrationDto> Jobs, string Ids)
{
    public int Ended => Jobs.Count(j => j.Status is "done" or "failed");
    public bool Running => Jobs.Any(j => j.Status is "queued" or "running");
    /// <summary>All mailboxes together, per message: each job's share (an ended one counts whole), averaged.</summary>
    public int Percent => Jobs.Count == 0 ? 0 : Jobs.Sum(j => j.Status is "done" or "failed" ? 100 : j.Percent) / Jobs.Count;
}
