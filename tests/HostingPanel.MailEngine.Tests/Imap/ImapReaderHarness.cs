using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>Feeds bytes to an <see cref="ImapCommandReader"/> the way a pipe would, in chunks.</summary>
internal static class ImapReaderHarness
{
    /// <summary>Feeds <paramref name="input"/> in two chunks cut at <paramref name="splitAt"/> (or whole) and returns what the reader said.</summary>
    public static List<ImapReadResult> Feed(byte[] input, ImapLimits? limits = null, int? splitAt = null)
    {
        var chunks = splitAt is { } s ? new[] { input[..s], input[s..] } : new[] { input };
        return FeedChunks(chunks, limits);
    }

    public static List<ImapReadResult> Feed(string input, ImapLimits? limits = null, int? splitAt = null) =>
        Feed(Encoding.UTF8.GetBytes(input), limits, splitAt);

    public static List<ImapReadResult> FeedChunks(IEnumerable<byte[]> chunks, ImapLimits? limits = null)
    {
        var reader = new ImapCommandReader(limits ?? ImapLimits.Default);
        var results = new List<ImapReadResult>();
        var pending = Array.Empty<byte>();
        foreach (var chunk in chunks)
        {
            pending = [.. pending, .. chunk];
            var sequence = Segmented(pending);
            var sr = new SequenceReader<byte>(sequence);
            while (reader.TryRead(ref sr, out var result))
            {
                results.Add(result);
                if (result.Kind == ImapReadResultKind.Fatal)
                {
                    return results; // the connection closes here
                }
            }

            pending = pending[(int)sr.Consumed..];
        }

        return results;
    }

    /// <summary>Describes results as text so split and unsplit runs compare simply.</summary>
    public static string Describe(IEnumerable<ImapReadResult> results) => string.Join("|", results.Select(Describe));

    public static string Describe(ImapReadResult r) => r.Kind switch
    {
        ImapReadResultKind.Command => "CMD " + r.Frame!.Tag + ":" + string.Join("/", r.Frame.Lines.Select(l => Encoding.UTF8.GetString(l.Span)))
            + string.Concat(r.Frame.Literals.Select(l => "[" + Encoding.UTF8.GetString(l.Data.Span) + "]")),
        ImapReadResultKind.ContinuationNeeded => "+" + r.LiteralSize,
        ImapReadResultKind.Rejected => "REJ " + r.Error!.Tag + " " + r.Error.Status + " " + r.Error.ResponseCode,
        _ => "FATAL " + r.Error!.Text,
    };

    /// <summary>Several segments so readers meet CRLF and literals across segment edges too.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes)
    {
        if (bytes.Length < 3)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var third = bytes.Length / 3;
        var first = new Segment(bytes.AsMemory(0, third));
        var last = first.Append(bytes.AsMemory(third, third)).Append(bytes.AsMemory(2 * third));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
