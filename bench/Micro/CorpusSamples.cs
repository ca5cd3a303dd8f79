using HostingPanel.Bench.Load.Corpus;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// Representative messages of the bench corpus (the seed of bench/run.sh, so the same bytes the load
/// tests deliver), picked by name so that every suite measures the same ones.
/// </summary>
internal static class CorpusSamples
{
    public const int Seed = 20261127;

    /// <summary>The smallest plain one, a typical HTML alternative, a 100 KB+ one with attachments, a malformed one, the 2 MB one.</summary>
    public static byte[] Get(string sample)
    {
        var corpus = new CorpusGenerator(2000, Seed).Generate().ToList();
        return sample switch
        {
            "plain-small" => corpus.Where(m => m.Entry.Kind == "plain").MinBy(m => m.Bytes.Length).Bytes,
            "alternative" => corpus.First(m => m.Entry.Kind == "alternative" && m.Bytes.Length is > 8_000 and < 30_000).Bytes,
            "mixed-large" => corpus.First(m => m.Entry.Kind == "mixed" && m.Bytes.Length is > 100_000 and < 400_000).Bytes,
            "malformed" => corpus.Last(m => m.Entry.Kind == "malformed").Bytes,
            "mixed-2mb" => corpus.MaxBy(m => m.Bytes.Length).Bytes,
            _ => throw new ArgumentException("unknown sample " + sample, nameof(sample)),
        };
    }

    /// <summary>The first <paramref name="count"/> corpus messages, in corpus order (a mailbox's typical mix).</summary>
    public static List<byte[]> First(int count) =>
        new CorpusGenerator(2000, Seed).Generate().Take(count).Select(m => m.Bytes).ToList();
}
