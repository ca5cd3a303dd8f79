using System.Text.Json;
using System.Text.Json.Serialization;

namespace HostingPanel.Bench.Load.Report;

/// <summary>
/// One measured figure of one server, appended as a JSON line to the run's results file.
/// <see cref="Key"/> pairs the product's figure with Dovecot's.
/// </summary>
internal sealed record BenchResult
{
    /// <summary>Stable name of the measurement, e.g. "pop3.retr.c10"; the same for both servers.</summary>
    public required string Key { get; init; }

    /// <summary>Human label for the table, e.g. "POP3 RETR, 10 clients".</summary>
    public required string Label { get; init; }

    /// <summary>"product" or "dovecot".</summary>
    public required string Server { get; init; }

    /// <summary>Unit of <see cref="Value"/>, e.g. "msg/s", "ms p50/p95/p99", "KiB/conn".</summary>
    public required string Unit { get; init; }

    /// <summary>The figure compared across servers (throughput, p50 latency or memory).</summary>
    public double? Value { get; init; }

    /// <summary>True when a larger <see cref="Value"/> is better (throughput), false for latency and memory.</summary>
    public bool HigherIsBetter { get; init; }

    /// <summary>Text shown in the table cell (may hold p50/p95/p99 together).</summary>
    public required string Display { get; init; }

    public int Count { get; init; }
    public int Errors { get; init; }
    public string? Note { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    public static void Append(string path, IEnumerable<BenchResult> results)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.AppendAllLines(path, results.Select(r => JsonSerializer.Serialize(r, Json)));
    }

    public static List<BenchResult> ReadAll(string path) =>
        File.Exists(path)
            ? File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<BenchResult>(l, Json)!).ToList()
            : [];
}
