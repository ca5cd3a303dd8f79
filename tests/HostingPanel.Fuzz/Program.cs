using System.Globalization;
using HostingPanel.Fuzz;

// hostingpanel-fuzz: see bench/fuzz.sh and docs/security.md ("Fuzzing").
//   list                              the targets
//   instrument DIR                    SharpFuzz-instruments HostingPanel.MailEngine.dll and HostingPanel.Data.dll in DIR
//   run TARGET [--seconds S] [--runs N] [--seed N] [--corpus DIR] [--findings DIR] [--max-len N]
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

internal sealed record Options(double Seconds, long Runs, int Seed, string? Corpus, string? Findings, int MaxLength)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(10, long.MaxValue, 1, null, null, 4096);
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
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }
        return o;
    }
}
