using System.Globalization;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

internal static class ResultBuilder
{
    private static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A throughput row and a latency row for one operation.</summary>
    public static IEnumerable<BenchResult> Rows(string key, string label, string server, string unit, OpSamples samples,
        TimeSpan elapsed, string? note = null)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        var rate = samples.Count / seconds;
        var mb = samples.Bytes / 1_048_576.0 / seconds;
        var errors = samples.Errors > 0 ? $", {samples.Errors} errors" : "";
        var display = mb >= 0.05 ? $"{F(rate)} {unit} ({F(mb)} MiB/s){errors}" : $"{F(rate)} {unit}{errors}";
        var allNote = string.Join("; ", new[] { note, samples.LastError is null ? null : "first error: " + samples.LastError }.Where(n => n is not null));
        yield return new BenchResult
        {
            Key = key, Label = label, Server = server, Unit = unit, Value = samples.Count == 0 ? null : rate,
            HigherIsBetter = true, Display = samples.Count == 0 ? "no successful operation" + errors : display,
            Count = samples.Count, Errors = samples.Errors, Note = allNote.Length == 0 ? null : allNote,
        };
        if (samples.Count == 0) yield break;
        yield return new BenchResult
        {
            Key = key + ".latency", Label = label + ", latency", Server = server, Unit = "ms p50/p95/p99",
            Value = samples.Percentile(50), HigherIsBetter = false,
            Display = $"{F(samples.Percentile(50), "0.00")} / {F(samples.Percentile(95), "0.00")} / {F(samples.Percentile(99), "0.00")} ms",
            Count = samples.Count, Errors = samples.Errors,
        };
    }

    public static BenchResult Missing(string key, string label, string server, string unit, string why) => new()
    {
        Key = key, Label = label, Server = server, Unit = unit, Value = null, Display = why,
    };
}
