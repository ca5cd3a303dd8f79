using BenchmarkDotNet.Attributes;
using HostingPanel.Bench.Load.Corpus;
using MimeKit;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// MIME caching at delivery: parse the incoming message with MimeKit and compute what the store
/// keeps beside the body (ENVELOPE, BODYSTRUCTURE, size). Run over representative messages of the
/// bench corpus (same seed as bench/run.sh), in both MimeKit parser modes: persistent (parts point
/// into the source stream, nothing copied) and non-persistent (content copied into memory).
/// </summary>
[MemoryDiagnoser]
public class MimeCachingBenchmarks
{
    private byte[] _message = [];

    /// <summary>Which corpus message: the smallest plain one, a typical HTML alternative, a 100 KB+ one with attachments, a malformed one, the 2 MB one.</summary>
    [Params("plain-small", "alternative", "mixed-large", "malformed", "mixed-2mb")]
    public string Sample { get; set; } = "plain-small";

    [Params(true, false)]
    public bool Persistent { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var corpus = new CorpusGenerator(2000, 20261127).Generate().ToList();
        _message = Sample switch
        {
            "plain-small" => corpus.Where(m => m.Entry.Kind == "plain").MinBy(m => m.Bytes.Length).Bytes,
            "alternative" => corpus.First(m => m.Entry.Kind == "alternative" && m.Bytes.Length is > 8_000 and < 30_000).Bytes,
            "mixed-large" => corpus.First(m => m.Entry.Kind == "mixed" && m.Bytes.Length is > 100_000 and < 400_000).Bytes,
            "malformed" => corpus.Last(m => m.Entry.Kind == "malformed").Bytes,
            "mixed-2mb" => corpus.MaxBy(m => m.Bytes.Length).Bytes,
            _ => throw new ArgumentException(Sample),
        };
    }

    [Benchmark(Baseline = true)]
    public MimeMessage Parse()
    {
        using var stream = new MemoryStream(_message, writable: false);
        return MimeMessage.Load(stream, Persistent);
    }

    [Benchmark]
    public int ParseAndComputeCache()
    {
        using var stream = new MemoryStream(_message, writable: false);
        var message = MimeMessage.Load(stream, Persistent);
        var envelope = ImapCacheWriter.Envelope(message);
        var structure = ImapCacheWriter.BodyStructure(message.Body);
        return envelope.Length + structure.Length + _message.Length;
    }
}
