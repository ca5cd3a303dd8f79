using System.Diagnostics.Metrics;

namespace HostingPanel.Bench.Deliverability;

/// <summary>
/// Listens to every instrument of the engine's meter, as an exporter does (each measurement taken and added up per
/// instrument), so the "observed" variant pays what recording costs once someone collects the metrics.
/// </summary>
public sealed class MetricsListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _measurements;
    private double _sum;

    public long Measurements => Interlocked.Read(ref _measurements);

    public static MetricsListener Start()
    {
        var m = new MetricsListener();
        m._listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("HostingPanel", StringComparison.Ordinal))
                listener.EnableMeasurementEvents(instrument);
        };
        m._listener.SetMeasurementEventCallback<long>((_, value, tags, _) => m.Add(value, tags.Length));
        m._listener.SetMeasurementEventCallback<double>((_, value, tags, _) => m.Add(value, tags.Length));
        m._listener.Start();
        return m;
    }

    private void Add(double value, int tags)
    {
        Interlocked.Increment(ref _measurements);
        lock (_listener)
            _sum += value + tags;
    }

    public void Dispose() => _listener.Dispose();
}
