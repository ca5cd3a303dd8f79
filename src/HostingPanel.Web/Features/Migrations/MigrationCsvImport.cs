using System.Text.Json;
using HostingPanel.Application.Bulk;
using HostingPanel.MailEngine.Transfer;

namespace HostingPanel.Web.Features.Migrations;

/// <summary>One line of a migrations CSV: queued (with the job's id), would be queued (dry run) or refused, with the reasons by column.</summary>
public sealed record MigrationImportLine(int Line, string Address, string Action, string? Id, IReadOnlyDictionary<string, string[]> Errors);

public sealed record MigrationImportResult(bool DryRun, int Queue, int Refuse, IReadOnlyList<MigrationImportLine> Results);

/// <summary>
/// Many migrations from one CSV file (a reseller moving a whole company): the bulk CSV format's reading rules and bounds,
/// the columns <see cref="Columns"/>, and every line checked exactly as <c>POST /api/v1/migrations</c> checks one job
/// (validator, the caller's scope, the target policy, an active mailbox). A dry run queues nothing; otherwise every line
/// that is not refused is queued, and the worker runs them (one at a time per source host).
/// </summary>
public sealed class MigrationCsvImport(MigrationService migrations)
{
    public static readonly string[] Columns = ["address", "host", "port", "security", "username", "password"];

    /// <summary>Fewer than the bulk format allows: each line is a job that holds a connection to somebody's server.</summary>
    public const int MaxLines = 1000;

    /// <summary>The rows, or a <see cref="BulkCsvFileException"/> for a file that cannot be read at all.</summary>
    public static IReadOnlyList<BulkCsvRow> Read(ReadOnlyMemory<byte> csv)
    {
        var rows = BulkCsvFormat.ReadRows(csv, headers =>
        {
            var unknown = headers.FirstOrDefault(h => !Columns.Contains(h, StringComparer.OrdinalIgnoreCase));
            if (unknown is not null)
                throw new BulkCsvFileException($"Unknown column '{BulkCsvFormat.Printable(unknown)}': a migrations file has the columns {string.Join(",", Columns)}.");
            var missing = Columns.Where(c => c is not "port" and not "security").FirstOrDefault(c => !headers.Contains(c, StringComparer.OrdinalIgnoreCase));
            if (missing is not null)
                throw new BulkCsvFileException($"The header needs the column '{missing}': {string.Join(",", Columns)} (port and security may be left out: 993 and Tls).");
        });
        if (rows.Count > MaxLines)
            throw new BulkCsvFileException($"A migrations file can have at most {MaxLines} lines after the header.", tooLarge: true);
        return rows;
    }

    public async Task<MigrationImportResult> ImportAsync(IReadOnlyList<BulkCsvRow> rows, bool dryRun, CancellationToken ct)
    {
        var results = new List<MigrationImportLine>(rows.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var row in rows)
        {
            var address = row.Get("address");
            if (row.Malformed is { } malformed)
            {
                results.Add(Refuse(row.Line, address, "line", malformed));
                continue;
            }
            var input = new CreateMigrationInput
            {
                Address = address, Host = row.Get("host"), Username = row.Get("username"), Password = row.Get("password"),
                Security = row.Has("security") ? row.Get("security") : "Tls",
            };
            if (row.Has("port"))
            {
                if (!int.TryParse(row.Get("port"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
                {
                    results.Add(Refuse(row.Line, address, "port", "The port must be between 1 and 65535."));
                    continue;
                }
                input.Port = port;
            }
            var prepared = await migrations.PrepareAsync(input, ct);
            if (prepared.Failure is { } failure)
            {
                results.Add(new MigrationImportLine(row.Line, address, "refuse", null, CamelCase(failure.Errors.Count > 0
                    ? failure.Errors
                    : new Dictionary<string, string[]> { ["address"] = [failure.Message] })));
                continue;
            }
            // Two jobs into one mailbox at once would race each other's duplicate check.
            if (!seen.Add(prepared.Value!.Address))
            {
                results.Add(Refuse(row.Line, address, "address", "The mailbox is already the target of a line above."));
                continue;
            }
            if (dryRun)
            {
                results.Add(new MigrationImportLine(row.Line, prepared.Value.Address, "queue", null, NoErrors));
                continue;
            }
            var job = await migrations.QueueAsync(prepared.Value, ct);
            results.Add(new MigrationImportLine(row.Line, job.Address, "queued", job.Id, NoErrors));
        }
        return new MigrationImportResult(dryRun, results.Count(r => r.Action != "refuse"), results.Count(r => r.Action == "refuse"), results);
    }

    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    private static MigrationImportLine Refuse(int line, string address, string field, string message) =>
        new(line, address, "refuse", null, new Dictionary<string, string[]> { [field] = [message] });

    private static IReadOnlyDictionary<string, string[]> CamelCase(IReadOnlyDictionary<string, string[]> errors) =>
        errors.ToDictionary(e => JsonNamingPolicy.CamelCase.ConvertName(e.Key), e => e.Value);
}
