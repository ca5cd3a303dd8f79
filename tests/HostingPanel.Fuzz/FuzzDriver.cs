using System.Diagnostics;
using System.Text;

namespace HostingPanel.Fuzz;

/// <summary>What one run found.</summary>
internal sealed record FuzzReport(string Target, long Executions, double Seconds, int CorpusSize, int Edges, bool Instrumented, IReadOnlyList<FuzzFinding> Findings);

/// <summary>An input that threw, or ran longer than the slow-input limit.</summary>
internal sealed record FuzzFinding(string Kind, string Signature, byte[] Input, long Execution);

/// <summary>
/// In-process, coverage-guided mutation fuzzing: seeds from the corpus folder, then mutants of the
/// corpus; a mutant that reaches a new edge (or a new hit-count class of one) joins the corpus. An
/// exception out of the target is a finding, kept once per exception type and throwing method.
/// Deterministic for a given seed and execution count (the slow-input verdict aside, which is why
/// <paramref name="slowMilliseconds"/> 0 turns it off).
/// </summary>
internal sealed class FuzzDriver(FuzzTarget target, int seed, int maxLength, int slowMilliseconds)
{
    private readonly TimeSpan _slowInput = slowMilliseconds > 0 ? TimeSpan.FromMilliseconds(slowMilliseconds) : TimeSpan.MaxValue;

    public FuzzReport Run(IEnumerable<byte[]> seeds, TimeSpan duration, long maxExecutions, Action<byte[]>? onNewCorpusEntry = null)
    {
        using var coverage = new CoverageMap();
        var random = new Random(seed);
        var mutator = new Mutator(random, maxLength);
        var corpus = new List<byte[]>();
        var findings = new Dictionary<string, FuzzFinding>();
        long executions = 0;
        var clock = Stopwatch.StartNew();

        foreach (var input in seeds.Append([]))
        {
            Execute(input);
            corpus.Add(input); // seeds always stay, whether or not they add coverage
        }

        var instrumented = coverage.EdgesSeen > 0;
        while (clock.Elapsed < duration && executions < maxExecutions)
        {
            var child = mutator.Mutate(corpus[random.Next(corpus.Count)], corpus);
            if (Execute(child))
            {
                corpus.Add(child);
                onNewCorpusEntry?.Invoke(child);
            }
        }

        return new FuzzReport(target.Name, executions, clock.Elapsed.TotalSeconds, corpus.Count, coverage.EdgesSeen, instrumented, findings.Values.ToList());

        bool Execute(byte[] input)
        {
            executions++;
            coverage.Reset();
            var started = clock.Elapsed;
            try
            {
                target.Run(input);
            }
            catch (Exception e)
            {
                var frame = new StackTrace(e).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("HostingPanel", StringComparison.Ordinal) == true)
                            ?? new StackTrace(e).GetFrame(0);
                var signature = e.GetType().Name + " at " + frame?.GetMethod()?.DeclaringType?.Name + "." + frame?.GetMethod()?.Name
                                + (e is FuzzInvariantException ? ": " + e.Message.Split(':')[0] : "");
                findings.TryAdd(signature, new FuzzFinding("exception", signature + Environment.NewLine + e, input, executions));
            }
            if (clock.Elapsed - started > _slowInput)
                findings.TryAdd("slow:" + input.Length, new FuzzFinding("slow", $"took {(clock.Elapsed - started).TotalMilliseconds:F0} ms", input, executions));
            return coverage.MergeNew();
        }
    }

    /// <summary>An input as C# string text, for pasting into a regression test.</summary>
    public static string ToCSharpLiteral(byte[] input)
    {
        var sb = new StringBuilder("\"");
        foreach (var b in input)
        {
            sb.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\x{b:X2}\" + \"",
            });
        }
        return sb.Append('"').ToString();
    }
}
