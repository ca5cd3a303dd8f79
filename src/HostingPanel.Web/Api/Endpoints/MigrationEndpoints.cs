using HostingPanel.Application.Bulk;
using HostingPanel.Web.Features.Migrations;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>IMAP migrations: copy a mailbox from another server into one here, run by the worker.</summary>
public static class MigrationEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var migrations = api.MapGroup("/migrations").WithTags("Migrations");

        migrations.MapPost("", async (HttpContext http, MigrationService service, CancellationToken ct) =>
            {
                var body = await ApiBody.ReadAsync<CreateMigrationInput>(http, ct);
                if (body.Problem is { } problem) return problem;
                var result = await service.CreateAsync(body.Value!, ct);
                if (result.Failure is { } failure) return ApiProblems.From(failure);
                var dto = MigrationDto.From(result.Value!);
                return TypedResults.Accepted($"/api/v1/migrations/{dto.Id}", dto);
            })
            .WithName("StartMigration").WithSummary("Start copying a mailbox from another IMAP server")
            .WithDescription("""
                `{address, host, port, security, username, password}`: `address` a mailbox here in the caller's scope (404 otherwise; 409 while it is not active yet), `security` `None`, `StartTls` or `Tls`. Answers 202 with `{id, status: "queued", ...}`; the worker copies every folder with flags, keywords and internal dates, skipping what is already there, so starting it again later copies only new mail. Hosts that resolve to loopback, private or link-local addresses are refused (400 on `host`) unless the caller is an admin or `Migrations:AllowPrivateNetworks` is true. The password is kept encrypted only while the job runs.
                """)
            .JsonBody<CreateMigrationInput>().Produces<MigrationDto>(StatusCodes.Status202Accepted).NotFound().Conflict();

        // Before "/{id}": a literal segment, so "import" is never read as an id.
        migrations.MapPost("/import", async (bool? dryRun, HttpContext http, MigrationCsvImport import, CancellationToken ct) =>
            {
                var (csv, problem) = await ApiCsvBody.ReadAsync(http, ct);
                if (problem is not null) return problem;
                IReadOnlyList<BulkCsvRow> rows;
                try
                {
                    rows = MigrationCsvImport.Read(csv);
                }
                catch (BulkCsvFileException e)
                {
                    return e.TooLarge
                        ? ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", e.Message)
                        : ApiProblems.Invalid("file", e.Message);
                }
                return TypedResults.Ok(await import.ImportAsync(rows, dryRun ?? false, ct));
            })
            .WithName("ImportMigrations").WithSummary("Start many migrations from one CSV file (with a dry run)")
            .WithDescription($$"""
                Body: `text/csv` (UTF-8, RFC 4180, header row `{{string.Join(",", MigrationCsvImport.Columns)}}`; `port` and `security` may be left out: 993 and `Tls`). Every line is checked as `POST /api/v1/migrations` checks one job: the same messages by column, a mailbox outside the caller's scope is refused as not found, a private source host as for one job; a second line into the same mailbox is refused. Answers 200 `{dryRun, queue, refuse, results: [{line, address, action, id, errors}]}` with `action` `queue` (dry run), `queued` (with the job's `id`, followed with `GET /api/v1/migrations/{id}`) or `refuse`. `dryRun=true` queues nothing. At most {{MigrationCsvImport.MaxLines}} lines and {{BulkCsvFormat.MaxBytes}} bytes (413).
                """)
            .Accepts<string>("text/csv").Produces<MigrationImportResult>()
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        migrations.MapGet("/{id}", async (string id, MigrationService service, CancellationToken ct) =>
                (await service.GetAsync(id, ct)).ToOk(MigrationDto.From))
            .WithName("GetMigration").WithSummary("A migration's progress and final report")
            .WithDescription("`status` `queued`, `running`, `done` or `failed`; `messages` and `bytes` copied, `folders` seen, `skipped` already there, `errors` one reason per line (a stop at the quota says so).")
            .Produces<MigrationDto>().NotFound();

        migrations.MapPost("/{id}/pause", async (string id, MigrationService service, CancellationToken ct) =>
                (await service.PauseAsync(id, ct)).ToOk(MigrationDto.From))
            .WithName("PauseMigration").WithSummary("Pause a queued or running migration")
            .WithDescription("The job stops between two messages and its `status` becomes `paused`; what was copied stays, and so do the encrypted credentials (until it is resumed and ends). 409 when the job has ended or is paused already.")
            .Produces<MigrationDto>().NotFound().Conflict();

        migrations.MapPost("/{id}/resume", async (string id, MigrationService service, CancellationToken ct) =>
                (await service.ResumeAsync(id, ct)).ToOk(MigrationDto.From))
            .WithName("ResumeMigration").WithSummary("Resume a paused migration")
            .WithDescription("The job is `queued` again and copies only what is not here yet. 409 when it is not paused.")
            .Produces<MigrationDto>().NotFound().Conflict();
    }
}
