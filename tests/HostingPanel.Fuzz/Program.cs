using System.Globalization;
using HostingPanel.Fuzz;

// hostingpanel-fuzz: see bench/fuzz.sh and docs/security.md ("Fuzzing").
//   list                              the targets
//   instrument DIR                    SharpFuzz-instruments HostingPanel.MailEngine.dll and HostingPanel.Data.dll in DIR
//   run TARGET [--seconds S] [--runs N] [--seed N] [--corpus DIR] [--findings DIR] [--max-len N] [--slow-ms MS] [--regressions DIR]
//                                     with --runs and no --seconds the run is bounded by executions only,
//                                     so the same seed and commit always give the same result (CI)
//   replay TARGET PATH...             runs saved inputs (files or folders) once each
// Exit code: 0 nothing found, 1 findings, 2 usage.
return args.FirstOrDefault() switch
{
    "list" => Commands.List(),
    "instrument" when args.Length == 2 => Instrumenter.Run(args[1]),
    "run" when args.Length >= 2 => Commands.Run(args[1], Options.Parse(args[2..])),
    "replay" when args.Length >= 3 => Commands.Replay(args[1], args[2..]),
    _ => Commands.Usage(),
};

/// <summary>
/// How long a run lasts: <see cref="Seconds"/> of wall clock and/or <see cref="Runs"/> executions
/// (whichever ends first); <see cref="SlowMilliseconds"/> is the time after which one input counts as a
/// finding, 0 for never: a wall-clock verdict depends on the machine's load, so CI leaves it off.
/// </summary>
internal sealed record Options(double Seconds, long Runs, int Seed, string? Corpus, string? Findings, int MaxLength, int SlowMilliseconds, string? Regressions = null)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(double.NaN, long.MaxValue, 1, null, null, 4096, 1000);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            o = args[i] switch
            {
                "--seconds" => o with { Seconds = double.Parse(v, CultureInfo.InvariantCulture) },
                "--runs" => o with { Runs = long.Parse(v, CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = int.Parse(v, CultureInfo.InvariantCulture) },
                "--corpus" => o with { Corpus = v },
                "--findings" => o with { Findings = v },
                "--max-len" => o with { MaxLength = int.Parse(v, CultureInfo.InvariantCulture) },
                "--regressions" => o with { Regressions = v },
                "--slow-ms" => o with { SlowMilliseconds = int.Parse(v, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }
        if (double.IsNaN(o.Seconds))
            o = o with { Seconds = o.Runs == long.MaxValue ? 10 : double.PositiveInfinity };
        return o;
    }
}
