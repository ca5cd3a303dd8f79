using System.Buffers;
using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.Fuzz.Targets;

/// <summary>
/// Bytes as a client would send them: framed by <see cref="ImapCommandReader"/> (small limits so the
/// limit paths are reached), fed in two chunks cut where the first byte says, and each framed
/// command parsed with and without UTF8=ACCEPT. Framing must not depend on where the input is cut.
/// </summary>
internal static class ImapCommandTarget
{
    private static readonly ImapLimits Limits = new()
    {
        MaxLineLength = 512,
        MaxLiteralSize = 256,
        MaxCommandSize = 2048,
        MaxDiscardSize = 4096,
        MaxLiteralsPerCommand = 8,
    };

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0)
            return;
        var data = input[1..].ToArray();
        var whole = Frame([data]);
        var cut = data.Length == 0 ? 0 : input[0] % (data.Length + 1);
        var split = Frame([data[..cut], data[cut..]]);
        FuzzTargets.Check(whole.SequenceEqual(split), $"framing differs when the input is cut at {cut}: [{string.Join(", ", whole)}] vs [{string.Join(", ", split)}]");
    }

    private static List<string> Frame(byte[][] chunks)
    {
        var reader = new ImapCommandReader(Limits);
        var outcomes = new List<string>();
        var pending = Array.Empty<byte>();
        foreach (var chunk in chunks)
        {
            pending = [.. pending, .. chunk];
            var sequence = new SequenceReader<byte>(new ReadOnlySequence<byte>(pending));
            while (reader.TryRead(ref sequence, out var result))
            {
                outcomes.Add(Describe(result));
                if (result.Kind == ImapReadResultKind.Command)
                {
                    foreach (var utf8 in new[] { false, true })
                    {
                        var parsed = ImapCommandParser.Parse(result.Frame!, new ImapParserOptions(utf8) { Limits = Limits });
                        FuzzTargets.Check(parsed.Tag is not null, "parser returned no tag");
                    }
                }
                if (result.Kind == ImapReadResultKind.Fatal)
                    return outcomes;
            }
            pending = pending[(int)sequence.Consumed..];
        }
        return outcomes;
    }

    private static string Describe(ImapReadResult r) => r.Kind switch
    {
        ImapReadResultKind.Command => "CMD " + r.Frame!.Tag + "/" + r.Frame.Lines.Count + "/" + r.Frame.Literals.Count,
        ImapReadResultKind.ContinuationNeeded => "+" + r.LiteralSize,
        _ => r.Kind + " " + r.Error!.Tag + " " + r.Error.Status,
    };
}
