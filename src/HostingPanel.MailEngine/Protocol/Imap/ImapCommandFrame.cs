namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>A literal's bytes as the client sent them, and how it was announced.</summary>
/// <param name="IsBinary">Announced as <c>~{n}</c> (literal8, RFC 3516): may hold NUL.</param>
/// <param name="IsNonSynchronizing">Announced as <c>{n+}</c> (LITERAL+, RFC 7888): sent without waiting for "+".</param>
public readonly record struct ImapLiteral(ReadOnlyMemory<byte> Data, bool IsBinary, bool IsNonSynchronizing);

/// <summary>
/// One complete command as framed by <see cref="ImapCommandReader"/>: its lines (CRLF removed) and,
/// after every line but the last, the literal that line announced. Nothing here is parsed yet.
/// </summary>
public sealed class ImapCommandFrame
{
    internal ImapCommandFrame(string tag, IReadOnlyList<ReadOnlyMemory<byte>> lines, IReadOnlyList<ImapLiteral> literals)
    {
        Tag = tag;
        Lines = lines;
        Literals = literals;
    }

    /// <summary>The tag, or "*" when the first line does not start with a valid one.</summary>
    public string Tag { get; }

    /// <summary>The command's lines; line i (but the last) ends with the marker of literal i.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Lines { get; }

    public IReadOnlyList<ImapLiteral> Literals { get; }

    /// <summary>Builds a frame from a complete command text (tests and replay tools).</summary>
    public static ImapCommandFrame FromText(string text, ImapLimits? limits = null)
    {
        var reader = new ImapCommandReader(limits ?? ImapLimits.Default);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var sequence = new System.Buffers.ReadOnlySequence<byte>(bytes);
        var input = new System.Buffers.SequenceReader<byte>(sequence);
        while (reader.TryRead(ref input, out var result))
        {
            if (result.Kind == ImapReadResultKind.Command)
            {
                return result.Frame!;
            }

            if (result.Kind == ImapReadResultKind.Rejected)
            {
                throw new FormatException(result.Error!.Text);
            }
        }

        throw new FormatException("Incomplete command.");
    }
}
