using System.Globalization;

namespace HostingPanel.Fuzz;

internal static class Commands
{
    public static int Usage()
    {
        Console.Error.WriteLine("usage: list | instrument DIR | run TARGET [--seconds S] [--runs N] [--seed N] [--corpus DIR] [--findings DIR] [--max-len N] [--slow-ms MS] [--regressions DIR] | replay TARGET PATH...");
        return 2;
    }

    public static int List()
    {
        foreach (var t in FuzzTargets.All)
            Console.WriteLine($"{t.Name,-8} {t.Description}");
        return 0;
    }

    public static int Run(string name, Options options)
    {
        if (FuzzTargets.Find(name) is not { } target)
            return Usage();
        var corpusDirectory = options.Corpus ?? Path.Combine(AppContext.BaseDirectory, "corpus", name);
        var seeds = Directory.Exists(corpusDirectory)
            ? Directory.EnumerateFiles(corpusDirectory).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToList()
            : [];
        string? newCorpus = null;
        if (options.Findings is not null)
        {
            newCorpus = Path.Combine(options.Findings, "corpus");
            Directory.CreateDirectory(newCorpus);
        }

        var driver = new FuzzDriver(target, options.Seed, options.MaxLength, options.SlowMilliseconds);
        var report = driver.Run(seeds, double.IsPositiveInfinity(options.Seconds) ? TimeSpan.MaxValue : TimeSpan.FromSeconds(options.Seconds), options.Runs,
            newCorpus is null ? null : input => File.WriteAllBytes(Path.Combine(newCorpus, Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(input))[..16]), input));

        foreach (var finding in report.Findings)
        {
            Console.WriteLine($"FINDING {finding.Kind} at execution {finding.Execution}: {finding.Signature}");
            Console.WriteLine("  input: " + FuzzDriver.ToCSharpLiteral(finding.Input));
            if (options.Findings is not null)
            {
                var file = Path.Combine(options.Findings, $"{finding.Kind}-{finding.Execution}");
                File.WriteAllBytes(file, finding.Input);
                File.WriteAllText(file + ".txt", finding.Signature);
            }
            // Every finding becomes a regression input of the checked-in corpus, which CI replays as
            // seeds on every run: a bug found once by chance is then checked on every commit.
            // Slow inputs are not kept: "slow" is a verdict on this machine's load, not on the code.
            if (options.Regressions is not null && finding.Kind == "exception")
                File.WriteAllBytes(Path.Combine(options.Regressions, "regress-" + Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(finding.Input))[..16].ToLowerInvariant()), finding.Input);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target={report.Target} seed={options.Seed} seeds={seeds.Count} execs={report.Executions} seconds={report.Seconds:F1} execs_per_s={report.Executions / Math.Max(report.Seconds, 0.001):F0} corpus={report.CorpusSize} edges={report.Edges} instrumented={(report.Instrumented ? "yes" : "no")} findings={report.Findings.Count}"));
        return report.Findings.Count == 0 ? 0 : 1;
    }

    public static int Replay(string name, string[] paths)
    {
        if (FuzzTargets.Find(name) is not { } target)
            return Usage();
        var failures = 0;
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal)) : [p]);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                failures++;
                Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
            }
        }
        Console.WriteLine($"replayed target={name} failures={failures}");
        return failures == 0 ? 0 : 1;
    }
}
