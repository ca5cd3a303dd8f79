using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Delivery;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// The SMTP-to-store delivery path below the protocol: what the SMTP listener calls once DATA is
/// complete, <see cref="MailDelivery.DeliverAsync"/>, writing into a real temporary store. One call
/// converts and writes the body file, computes the MIME cache, fsyncs the file and its directory, and
/// commits the message rows and quota (shared with concurrent deliveries by the group committer).
/// With 10 recipients the body is written once and charged to each mailbox.
/// </summary>
[MemoryDiagnoser]
public class DeliveryBenchmarks
{
    private TemporaryEngine _engine = null!;
    private MailDelivery _delivery = null!;
    private byte[] _message = [];
    private long[] _mailboxes = [];

    [Params("plain-small", "mixed-large")]
    public string Sample { get; set; } = "plain-small";

    [Params(1, 10)]
    public int Recipients { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _message = CorpusSamples.Get(Sample);
        _engine = await TemporaryEngine.StartAsync();
        _delivery = _engine.Get<MailDelivery>();
        var ids = new List<long>();
        for (var i = 1; i <= Recipients; i++)
            ids.Add((await _engine.CreateMailboxAsync($"d{i:00}@bench.test")).Id);
        _mailboxes = [.. ids];
        var results = await _delivery.DeliverAsync(new MemoryStream(_message, writable: false), _mailboxes);
        if (results.Any(r => r.Status != DeliveryStatus.Delivered))
            throw new InvalidOperationException("delivery failed: " + string.Join(", ", results.Select(r => r.Status)));
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    [Benchmark]
    public async Task<int> Deliver()
    {
        var results = await _delivery.DeliverAsync(new MemoryStream(_message, writable: false), _mailboxes);
        return results.Count;
    }
}
