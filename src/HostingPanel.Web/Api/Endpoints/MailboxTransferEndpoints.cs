using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Transfer;
using HostingPanel.Web.Features.Transfer;
using Microsoft.AspNetCore.Http.Features;

namespace HostingPanel.Web.Api.Endpoints;

public sealed record ImportReportDto(int Imported, long Bytes, int Duplicates, int Failed, bool StoppedAtQuota, IReadOnlyList<string> Folders, IReadOnlyList<string> Errors)
{
    public static ImportReportDto From(ImportReport r) => new(r.Imported, r.Bytes, r.Duplicates, r.Failed, r.StoppedAtQuota, r.Folders, r.Errors);
}

/// <summary>A mailbox's mail out (mbox or Maildir zip, streamed) and back in (merging, duplicates skipped, quota kept).</summary>
public static class MailboxTransferEndpoints
{
    /// <summary>Largest upload taken; the quota usually stops an import long before.</summary>
    public const long MaxImportBytes = 4L * 1024 * 1024 * 1024;

    public static void Map(RouteGroupBuilder api)
    {
        var mailboxes = api.MapGroup("/domains/{domain}/mailboxes/{localPart}").WithTags("Mailbox export and import");

        mailboxes.MapGet("/export", async (string domain, string localPart, string? format, string? folder, HttpContext http,
                MailboxService service, MailboxExporter exporter, CancellationToken ct) =>
            {
                if (MailboxExporter.ParseFormat(format) is not { } f) return ApiProblems.Invalid("format", "The format must be mbox or maildir.");
                var mailbox = await service.GetAsync(domain, localPart, ct);
                if (mailbox.Failure is { } failure) return ApiProblems.From(failure);
                if (!await exporter.WriteAsync(http, mailbox.Value!.Address, f, string.IsNullOrEmpty(folder) ? null : folder, ct))
                    return ApiProblems.Problem(StatusCodes.Status404NotFound, "Not found", "The folder was not found.");
                return Results.Empty;
            })
            .WithName("ExportMailbox").WithSummary("Download a mailbox as mbox or a Maildir zip")
            .WithDescription("""
                `format=mbox` (default): one mboxrd file of every folder; each message starts with `X-Folder` (the folder) and `X-Flags` (IMAP flags and keywords) header lines, and its "From " line carries the internal date. `format=maildir`: a zip with a directory per folder, `{folder}/cur/{date}.{uid}.hostingpanel,S={size}:2,{flags}`. `folder` narrows to one folder (Unicode name, '/' between levels). Streamed message by message; `X-Mailbox-Bytes` gives the mailbox's size for a progress bar. The mailbox owner's own key may export its mailbox.
                """)
            .Produces(StatusCodes.Status200OK, contentType: "application/mbox").ProducesValidationProblem(StatusCodes.Status400BadRequest).NotFound();

        mailboxes.MapPost("/import", async (string domain, string localPart, string? format, string? folder, HttpContext http,
                MailboxService service, MailboxImportUpload upload, CancellationToken ct) =>
            {
                if (MailboxExporter.ParseFormat(format) is not { } f) return ApiProblems.Invalid("format", "The format must be mbox or maildir.");
                var mailbox = await service.GetAsync(domain, localPart, ct);
                if (mailbox.Failure is { } failure) return ApiProblems.From(failure);
                if (http.Request.ContentLength > MaxImportBytes) return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The file can have at most {MaxImportBytes} bytes.");
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxImportBytes;
                var outcome = await upload.ImportAsync(mailbox.Value!.Address, f, string.IsNullOrEmpty(folder) ? null : folder, http.Request.Body, ct);
                if (outcome.NotFound) return ApiProblems.WithErrors(StatusCodes.Status409Conflict, "Conflict", "The mailbox is not active in the mail engine yet; import when its status is active.",
                    new Dictionary<string, string[]> { ["localPart"] = ["The mailbox is not active in the mail engine yet; import when its status is active."] });
                if (outcome.TooLarge) return ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", outcome.Problem!);
                if (outcome.Problem is { } problem) return ApiProblems.Invalid("file", problem);
                return TypedResults.Ok(ImportReportDto.From(outcome.Report!));
            })
            .WithName("ImportMailbox").WithSummary("Import an mbox file or a Maildir zip into a mailbox")
            .WithDescription("""
                Body: the file as the export writes it (`format=mbox`, default, or `format=maildir` for a zip); other tools' mbox files work too (their messages go to `folder`, default INBOX). Merges: folders are created as needed, a message already in its folder (same Message-ID, or same date and size without one) is skipped, and the import stops at the first message that does not fit the quota (`stoppedAtQuota`). Answers `{imported, bytes, duplicates, failed, stoppedAtQuota, folders, errors}`. Refused as a whole with 400 (`errors.file` says why, nothing stored): a file that is not mbox, a zip entry with a path that could leave its folder (zip slip), an entry over 64 MiB or compressed over 200:1 (zip bomb), a zip unpacking past the quota, a zip without Maildir messages, or no zip at all.
                """)
            .Accepts<byte[]>("application/mbox", "application/zip", "application/octet-stream").Produces<ImportReportDto>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).NotFound();
    }
}
