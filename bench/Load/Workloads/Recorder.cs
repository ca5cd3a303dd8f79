using System.Diagnostics;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>Latencies and byte counts of one client; merged after the run (no locking on the hot path).</summary>
internal sealed class Recorder
{
    private readonly Dictionary<string, OpSamples> _ops = new(StringComparer.Ordinal);

    public OpSamples For(string op)
    {
        if (!_ops.TryGetValue(op, out var samples)) _ops[op] = samples = new OpSamples();
        return samples;
    }

    /// <summary>Times <paramref name="action"/>; failures count as errors and are not timed.</summary>
    public async Task<T> TimeAsync<T>(string op, Func<Task<T>> action, Func<T, bool> ok, Func<T, long>? bytes = null)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await action().ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var samples = For(op);
        if (ok(result))
        {
            samples.Add(elapsed.TotalMilliseconds, bytes?.Invoke(result) ?? 0);
        }
        else
        {
            samples.Errors++;
            samples.LastError ??= result?.ToString();
        }
        return result;
    }

    public static Dictionary<string, OpSamples> Merge(IEnumerable<Recorder> recorders)
    {
        var merged = new Dictionary<string, OpSamples>(StringComparer.Ordinal);
        foreach (var recorder in recorders)
        {
            foreach (var (op, samples) in recorder._ops)
            {
                if (!merged.TryGetValue(op, out var target)) merged[op] = target = new OpSamples();
                target.Absorb(samples);
            }
        }
        return merged;
    }
}

internal sealed class OpSamples
{
    private readonly List<double> _latenciesMs = [];

    public int Errors { get; set; }
    public string? LastError { get; set; }
    public long Bytes { get; private set; }
    public int Count => _latenciesMs.Count;

    public void Add(double ms, long bytes)
    {
        _latenciesMs.Add(ms);
        Bytes += bytes;
    }

    public void Absorb(OpSamples other)
    {
        _latenciesMs.AddRange(other._latenciesMs);
        Bytes += other.Bytes;
        Errors += other.Errors;
        LastError ??= other.LastError;
    }

    /// <summary>Nearest-rank percentile in milliseconds.</summary>
    public double Percentile(double p)
    {
        if (_latenciesMs.Count == 0) return double.NaN;
        _latenciesMs.Sort();
        var rank = (int)Math.Ceiling(p / 100.0 * _latenciesMs.Count);
        return _latenciesMs[Math.Clamp(rank - 1, 0, _latenciesMs.Count - 1)];
    }
}
