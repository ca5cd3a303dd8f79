using System.Globalization;
using System.Text;

namespace HostingPanel.Bench.Load.Report;

/// <summary>
/// Turns a run's results file into the table of docs/benchmarks.md: one row per measurement, the
/// product's figure beside Dovecot's and their ratio. The table goes between two marker comments,
/// so the text around it (method, caveats) is kept when a new run replaces the figures.
/// </summary>
internal static class MarkdownReport
{
    public const string BeginMarker = "<!-- bench:results:begin -->";
    public const string EndMarker = "<!-- bench:results:end -->";

    /// <summary>Puts a BenchmarkDotNet GitHub-markdown report into its own marked section.</summary>
    public static void Splice(Options o)
    {
        var output = o.String("out");
        var section = o.String("section");
        var from = o.String("from");
        var command = o.String("command");
        o.EnsureAllRead();
        var begin = $"<!-- bench:{section}:begin -->";
        var end = $"<!-- bench:{section}:end -->";
        var body = new StringBuilder();
        body.Append(begin).Append('\n');
        body.Append("Machine: ").Append(Machine()).Append("  \n");
        body.Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)).Append("  \n");
        body.Append("Command: `").Append(command).Append("`\n\n");
        body.Append(File.ReadAllText(from).Trim()).Append('\n');
        body.Append(end);
        Replace(output, begin, end, body.ToString());
        Console.Error.WriteLine($"splice: {from} written to {output} ({section})");
    }

    private static void Replace(string output, string begin, string end, string content)
    {
        var existing = File.Exists(output) ? File.ReadAllText(output) : DefaultDocument();
        var b = existing.IndexOf(begin, StringComparison.Ordinal);
        var e = existing.IndexOf(end, StringComparison.Ordinal);
        var updated = b >= 0 && e > b
            ? existing[..b] + content + existing[(e + end.Length)..]
            : existing.TrimEnd() + "\n\n" + content + "\n";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, updated);
    }

    public static void Write(Options o)
    {
        var resultsPath = o.String("results");
        var output = o.String("out");
        var command = o.String("command");
        var productMissing = o.String("product-missing", "n/a (not built yet)");
        var revision = o.String("product-revision", "unknown");
        o.EnsureAllRead();

        var results = BenchResult.ReadAll(resultsPath);
        var table = Render(results, command, productMissing, revision);
        Replace(output, BeginMarker, EndMarker, table);
        Console.Error.WriteLine($"report: {results.Count} figures written to {output}");
    }

    public static string Render(IReadOnlyList<BenchResult> results, string command, string productMissing, string revision)
    {
        var sb = new StringBuilder();
        sb.Append(BeginMarker).Append('\n');
        sb.Append("### Latest run\n\n");
        sb.Append("| | |\n|---|---|\n");
        sb.Append("| machine | ").Append(Machine()).Append(" |\n");
        sb.Append("| date | ").Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)).Append(" |\n");
        sb.Append("| command | `").Append(command).Append("` |\n");
        sb.Append("| load average at the end (1, 5, 15 min) | ").Append(LoadAverage()).Append(" |\n");
        sb.Append("| product | ").Append(revision).Append(" |\n");
        sb.Append("| peer | ").Append(DovecotVersion()).Append(" |\n\n");
        sb.Append("Ratio = product ÷ Dovecot; the arrow says which way is better (↑ higher, ↓ lower; = must be 1.00).\n\n");
        sb.Append("| operation | product | Dovecot | ratio |\n|---|---|---|---|\n");

        var keys = results.Select(r => r.Key).Distinct(StringComparer.Ordinal).ToList();
        foreach (var key in keys)
        {
            var product = results.LastOrDefault(r => r.Key == key && r.Server == "product");
            var dovecot = results.LastOrDefault(r => r.Key == key && r.Server == "dovecot");
            var any = product ?? dovecot!;
            var arrow = any.Unit.Contains("must match", StringComparison.Ordinal) ? "=" : any.HigherIsBetter ? "↑" : "↓";
            var ratio = product?.Value is { } p && dovecot?.Value is { } d && d > 0
                ? (p / d).ToString("0.00", CultureInfo.InvariantCulture) + " " + arrow
                : "–";
            sb.Append("| ").Append(Escape(any.Label)).Append(" (").Append(any.Unit).Append(' ').Append(arrow).Append(") | ")
              .Append(Escape(product?.Display ?? productMissing)).Append(" | ")
              .Append(Escape(dovecot?.Display ?? "n/a")).Append(" | ")
              .Append(ratio).Append(" |\n");
        }

        var notes = results.Where(r => r.Note is not null).Select(r => $"- {r.Server}, {r.Label}: {r.Note}").Distinct().ToList();
        if (notes.Count > 0)
        {
            sb.Append("\nNotes from the run:\n\n");
            foreach (var n in notes) sb.Append(Escape(n)).Append('\n');
        }
        sb.Append(EndMarker);
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Machine()
    {
        var model = "unknown CPU";
        try
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model;
        }
        catch (IOException) { }
        long memKiB = 0;
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            memKiB = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return $"{Environment.ProcessorCount} CPU(s) ({model}), {memKiB / 1024 / 1024} GiB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; shared with other work";
    }

    /// <summary>How busy the shared machine was: the reason figures are read as ratios.</summary>
    private static string LoadAverage()
    {
        try
        {
            return string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string DovecotVersion()
    {
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dovecot", "--version") { RedirectStandardOutput = true });
            if (p is null) return "Dovecot";
            var v = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return "Dovecot " + v + " (Debian 12 package)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "Dovecot (version unknown)";
        }
    }

    private static string DefaultDocument() => "# Benchmarks\n\nWritten by `bench/run.sh`; see bench/README.md.\n";
}
