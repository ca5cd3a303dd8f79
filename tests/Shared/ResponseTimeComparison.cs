using System.Diagnostics;
using Xunit;

namespace HostingPanel.Testing;

/// <summary>
/// Compares the response times of failed logins for existing and unknown users, as an attacker
/// enumerating addresses would. Built for a noisy shared machine: the two kinds of attempt are
/// interleaved in random order (a load spike hits both), medians are compared (outliers do not
/// count), and the whole measurement is repeated a few times before it fails. Each attempt times only
/// the exchange that carries the credentials; connecting is done before.
/// </summary>
public static class ResponseTimeComparison
{
    public sealed record Figures(double KnownMedianMs, double UnknownMedianMs, int Trials)
    {
        public double Difference => Math.Abs(KnownMedianMs - UnknownMedianMs) / Math.Max(KnownMedianMs, UnknownMedianMs);
        public override string ToString() =>
            $"known {KnownMedianMs:F1} ms, unknown {UnknownMedianMs:F1} ms (median of {Trials} each): {Difference:P0} apart";
    }

    /// <summary>
    /// <paramref name="attempt"/> gets true for an existing user with a wrong password, false for an
    /// unknown user; it returns the failure reply (which must be the same text for both) and the time.
    /// </summary>
    public static async Task<Figures> AssertIndistinguishableAsync(
        Func<bool, Task<(TimeSpan Elapsed, string Reply)>> attempt, int trials = 15, double tolerance = 0.20, int measurements = 3,
        Func<string, string>? normalizeReply = null)
    {
        normalizeReply ??= r => r;
        Figures? last = null;
        for (var m = 0; m < measurements; m++)
        {
            // Warm-up of both paths (JIT, connection pools, caches of the hash parameters).
            await attempt(true);
            await attempt(false);
            var known = new List<double>();
            var unknown = new List<double>();
            string? knownReply = null, unknownReply = null;
            for (var i = 0; i < trials; i++)
            {
                foreach (var isKnown in Random.Shared.Next(2) == 0 ? new[] { true, false } : [false, true])
                {
                    var (elapsed, reply) = await attempt(isKnown);
                    (isKnown ? known : unknown).Add(elapsed.TotalMilliseconds);
                    if (isKnown) knownReply ??= normalizeReply(reply);
                    else unknownReply ??= normalizeReply(reply);
                }
            }
            Assert.Equal(knownReply, unknownReply);
            last = new Figures(Median(known), Median(unknown), trials);
            TestContext.Current.TestOutputHelper?.WriteLine($"measurement {m + 1}: {last}; known [{string.Join(' ', known.Select(v => v.ToString("F0")))}], unknown [{string.Join(' ', unknown.Select(v => v.ToString("F0")))}]");
            if (last.Difference < tolerance)
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
