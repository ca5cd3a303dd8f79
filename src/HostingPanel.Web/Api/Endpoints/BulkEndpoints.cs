using HostingPanel.Application.Bulk;
using Microsoft.AspNetCore.Http.Features;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>One line of an import's answer: what it does (or would do) and why a refused line is refused.</summary>
public sealed record BulkLineDto(int Line, string Address, string Action, IReadOnlyList<string> Changes,
    IReadOnlyDictionary<string, string[]> Errors, IReadOnlyList<string> Reasons);

public sealed record BulkSummaryDto(int Create, int Change, int Unchanged, int Refuse);

public sealed record BulkImportDto(bool DryRun, string Kind, BulkSummaryDto Summary, IReadOnlyList<BulkLineDto> Results)
{
    public static BulkImportDto From(BulkImportResult r) => new(
        r.DryRun, r.Kind.ToString().ToLowerInvariant(),
        new BulkSummaryDto(r.Count(BulkAction.Create), r.Count(BulkAction.Change), r.Count(BulkAction.Unchanged), r.Count(BulkAction.Refuse)),
        r.Lines.Select(l => new BulkLineDto(l.Line, l.Address, l.Action.ToString().ToLowerInvariant(), l.Changes, l.Errors, l.Reasons.ToList())).ToList());
}

/// <summary>Bulk CSV import (with a dry run) and export of a domain's mailboxes and aliases.</summary>
public static class BulkEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var domains = api.MapGroup("/domains/{domain}").WithTags("Bulk CSV");

        domains.MapPost("/import", async (string domain, bool? dryRun, HttpContext http, BulkImportService service, CancellationToken ct) =>
            {
                var (csv, problem) = await ApiCsvBody.ReadAsync(http, ct);
                if (problem is not null) return problem;
                BulkCsvFile file;
                try
                {
                    file = BulkCsvFormat.Read(csv);
                }
                catch (BulkCsvFileException e)
                {
                    return e.TooLarge
                        ? ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", e.Message)
                        : ApiProblems.Invalid("file", e.Message);
                }
                return (await service.ImportAsync(domain, file, dryRun ?? false, ct)).ToOk(BulkImportDto.From);
            })
            .WithName("ImportCsv").WithSummary("Import mailboxes or aliases from CSV (with a dry run)")
            .WithDescription($"""
                Body: `text/csv` (UTF-8, RFC 4180, header row). Mailboxes: `{string.Join(",", BulkCsvFormat.MailboxColumns)}` (only `address` is required; an empty cell keeps what an existing mailbox has; a new mailbox needs `quotaMb` and `password` or `passwordHash`; `imap`/`pop3` true or false; `forwardTo` addresses separated by spaces, commas or semicolons, `-` for none). Aliases: `{string.Join(",", BulkCsvFormat.AliasColumns)}` (`alias` a full address, `*@domain` for the catch-all).
                Answers 200 with one result per line: `create`, `change`, `unchanged` or `refuse` with `errors` by column, checked with the portal's validators and the plan's limits, counting the lines above it. `dryRun=true` writes nothing; without it the lines that are not refused are applied. At most {BulkCsvFormat.MaxBytes} bytes and {BulkCsvFormat.MaxLines} lines (413).
                """)
            .Accepts<string>("text/csv").Produces<BulkImportDto>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).NotFound();

        domains.MapGet("/export", async (string domain, string? type, bool? includePasswordHashes, HttpContext http, BulkExportService service, CancellationToken ct) =>
            {
                var kind = type?.ToLowerInvariant() switch
                {
                    null or "" or "mailboxes" => BulkCsvKind.Mailboxes,
                    "aliases" => BulkCsvKind.Aliases,
                    _ => (BulkCsvKind?)null,
                };
                if (kind is null) return ApiProblems.Invalid("type", "The type must be mailboxes or aliases.");
                var result = await service.ExportAsync(domain, kind.Value, includePasswordHashes ?? false, ct);
                if (result.Failure is { } failure) return ApiProblems.From(failure);
                var export = result.Value!;
                // Written to memory first: the writer is synchronous and Kestrel refuses synchronous writes (a domain's CSV is small).
                using var buffer = new MemoryStream();
                BulkCsvFormat.Write(buffer, export.Header, export.Rows);
                return Results.File(buffer.ToArray(), "text/csv; charset=utf-8", $"{domain}-{kind.Value.ToString().ToLowerInvariant()}.csv");
            })
            .WithName("ExportCsv").WithSummary("Export mailboxes or aliases as CSV")
            .WithDescription("`type` `mailboxes` (default) or `aliases`: the CSV that the import reads back (an unchanged export imports as `unchanged`). Cells a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe, which the import takes off. `includePasswordHashes=true` fills `passwordHash` with the Dovecot-format hashes (audited); otherwise it stays empty.")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem(StatusCodes.Status400BadRequest).NotFound();
    }
}
