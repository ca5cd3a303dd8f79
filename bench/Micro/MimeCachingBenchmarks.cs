using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Protocol.Imap.Mime;
using HostingPanel.MailEngine.Storage;
using MimeKit;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// MIME caching at delivery: what the engine computes once per message and stores beside the body
/// (<see cref="ImapMessageSummary.Parse"/>: MimeKit parse, then ENVELOPE, BODYSTRUCTURE and BODY in
/// IMAP syntax with sizes and line counts), against MimeKit's parse alone, and against the FETCH-time
/// path it saves (<see cref="ImapMessageStructure"/> with the engine's ENVELOPE and BODYSTRUCTURE
/// writers, which FETCH runs only when nothing is cached). Run over representative corpus messages.
/// </summary>
[MemoryDiagnoser]
public class MimeCachingBenchmarks
{
    private byte[] _message = [];

    [Params("plain-small", "alternative", "mixed-large", "malformed", "mixed-2mb")]
    public string Sample { get; set; } = "plain-small";

    [GlobalSetup]
    public void Setup() => _message = CorpusSamples.Get(Sample);

    /// <summary>MimeKit alone, in the mode the engine uses (content copied, not persistent).</summary>
    [Benchmark(Baseline = true)]
    public MimeMessage MimeKitParse()
    {
        using var stream = new MemoryStream(_message, writable: false);
        return MimeMessage.Load(stream, persistent: false);
    }

    /// <summary>The engine's delivery-time cache: parse plus the three IMAP strings the store keeps.</summary>
    [Benchmark]
    public int SummaryAtDelivery()
    {
        using var stream = new MemoryStream(_message, writable: false);
        var summary = ImapMessageSummary.Parse(stream);
        return summary.Envelope.Length + summary.BodyStructure.Length + summary.Body.Length;
    }

    /// <summary>What FETCH ENVELOPE BODYSTRUCTURE would cost per message without the cache.</summary>
    [Benchmark]
    public int StructureAtFetch()
    {
        var structure = ImapMessageStructure.Parse(_message);
        var envelope = ImapEnvelopeWriter.ToBytes(structure.Root.Message);
        var bodyStructure = ImapBodyStructureWriter.ToBytes(structure, extensible: true);
        return envelope.Length + bodyStructure.Length;
    }
}
