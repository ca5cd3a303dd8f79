using System.Diagnostics;
using Xunit;

namespace HostingPanel.Testing;

/// <summary>
/// Compares the response times of failed logins for existing and unknown users, as an attacker
/// enumerating addresses would. Built for a noisy shared machine: the two kinds of attempt are
/// interleaved in pairs in random order, and the verdict is the median of the per-pair ratios: the two
/// attempts of a pair run back to back, so a load spike or a slow drift of the machine hits both and
/// cancels out, and outliers do not count. The whole measurement is repeated a few times before it fails. Each attempt times only
/// the exchange that carries the credentials; connecting is done before.
/// <para>
/// A verdict on wall-clock time depends on what else the machine does, so inside the normal test run
/// (CI) the comparison only measures and prints, after checking what is deterministic: both kinds of
/// attempt got the same reply (and the callers check that each one ran a real password verification).
/// The timing verdict runs when <c>HOSTINGPANEL_TIMING_VERDICT=1</c>, as <c>bench/reliability.sh timing</c> sets it.
/// The order of the pairs comes from a fixed seed, so each run makes the same attempts.
/// </para>
/// </summary>
public static class ResponseTimeComparison
{
    /// <param name="MedianPairRatio">Median over the pairs of known time / unknown time.</param>
    public sealed record Figures(double KnownMedianMs, double UnknownMedianMs, double MedianPairRatio, int Trials)
    {
        /// <summary>How far apart the two are, as |known − unknown| / max(known, unknown) for the median pair.</summary>
        public double Difference => MedianPairRatio >= 1 ? 1 - 1 / MedianPairRatio : 1 - MedianPairRatio;
        public override string ToString() =>
            $"known {KnownMedianMs:F1} ms, unknown {UnknownMedianMs:F1} ms (medians of {Trials} each), median pair ratio {MedianPairRatio:F2}: {Difference:P0} apart";
    }

    /// <summary>
    /// <paramref name="attempt"/> gets true for an existing user with a wrong password, false for an
    /// unknown user; it returns the failure reply (which must be the same text for both) and the time.
    /// </summary>
    public static async Task<Figures> AssertIndistinguishableAsync(
        Func<bool, Task<(TimeSpan Elapsed, string Reply)>> attempt, int trials = 21, double tolerance = 0.20, int measurements = 4,
        Func<string, string>? normalizeReply = null)
    {
        normalizeReply ??= r => r;
        var verdict = Environment.GetEnvironmentVariable("HOSTINGPANEL_TIMING_VERDICT") == "1";
        if (!verdict)
            measurements = 1;
        var order = new Random(20261207);
        Figures? last = null;
        for (var m = 0; m < measurements; m++)
        {
            // Warm-up of both paths (JIT, connection pools, caches of the hash parameters).
            await attempt(true);
            await attempt(false);
            var known = new List<double>();
            var unknown = new List<double>();
            var ratios = new List<double>();
            string? knownReply = null, unknownReply = null;
            for (var i = 0; i < trials; i++)
            {
                double knownMs = 0, unknownMs = 0;
                foreach (var isKnown in order.Next(2) == 0 ? new[] { true, false } : [false, true])
                {
                    var (elapsed, reply) = await attempt(isKnown);
                    if (isKnown) { knownMs = elapsed.TotalMilliseconds; knownReply ??= normalizeReply(reply); }
                    else { unknownMs = elapsed.TotalMilliseconds; unknownReply ??= normalizeReply(reply); }
                }
                known.Add(knownMs);
                unknown.Add(unknownMs);
                ratios.Add(knownMs / Math.Max(unknownMs, 0.001));
            }
            Assert.Equal(knownReply, unknownReply);
            last = new Figures(Median(known), Median(unknown), Median(ratios), trials);
            TestContext.Current.TestOutputHelper?.WriteLine($"measurement {m + 1}: {last}; known [{string.Join(' ', known.Select(v => v.ToString("F0")))}], unknown [{string.Join(' ', unknown.Select(v => v.ToString("F0")))}]");
            if (!verdict || last.Difference < tolerance)
                return last;
        }
        Assert.Fail($"failed logins of existing and unknown users are told apart by their time: {last}");
        return last!;
    }

    public static async Task<(TimeSpan Elapsed, string Reply)> TimeAsync(Func<Task<string>> exchange)
    {
        var clock = Stopwatch.StartNew();
        var reply = await exchange();
        return (clock.Elapsed, reply);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

/// <summary>
/// Response-time comparisons run alone, after the parallel tests of their assembly: another test's burst of
/// CPU in the middle of one measurement is noise the comparison need not absorb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ResponseTimingCollection
{
    public const string Name = "Response timing (runs alone)";
}
