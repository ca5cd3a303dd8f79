using System.Buffers;

namespace HostingPanel.MailEngine.Protocol.Pop3;

/// <summary>
/// Writes a message as a POP3 multi-line response body (RFC 1939 section 3): a '.' starting a
/// line is doubled, and the response ends with CRLF "." CRLF. For TOP, stops after the header,
/// the empty line and <c>bodyLines</c> lines of the body. Pure: chunks in, bytes out.
/// RETR, which needs no line counting, uses the static <see cref="Stuff"/> instead: it copies
/// whole runs between dot-leading lines rather than one line at a time.
/// </summary>
public sealed class Pop3DotStuffer(int? bodyLines = null)
{
    private const byte ByteLF = (byte)'\n';
    private const byte ByteCR = (byte)'\r';
    private const byte ByteDot = (byte)'.';

    private bool _atLineStart = true;
    private bool _inHeaders = bodyLines is not null;
    private int _lineLength;
    private byte _firstByte;
    private int _bodyLinesLeft = bodyLines ?? 0;

    /// <summary>True when TOP has written all it needs; the caller stops reading.</summary>
    public bool Done { get; private set; }

    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        while (input.Length > 0 && !Done)
        {
            if (bodyLines is not null && !_inHeaders && _atLineStart && _bodyLinesLeft == 0)
            {
                Done = true;
                return;
            }
            var lf = input.IndexOf(ByteLF);
            var segment = lf < 0 ? input : input[..(lf + 1)];
            if (_atLineStart && segment[0] == ByteDot)
                Put(output, [ByteDot]);
            Put(output, segment);
            if (_lineLength == 0)
                _firstByte = segment[0];
            var contentLength = _lineLength + (lf < 0 ? segment.Length : lf);
            if (lf >= 0)
            {
                // A line with nothing but its line end closes the header block.
                var empty = contentLength == 0 || contentLength == 1 && _firstByte == ByteCR;
                if (_inHeaders)
                {
                    if (empty)
                        _inHeaders = false;
                }
                else if (bodyLines is not null)
                {
                    _bodyLinesLeft--;
                }
                _atLineStart = true;
                _lineLength = 0;
            }
            else
            {
                _atLineStart = false;
                _lineLength = contentLength;
            }
            input = input[segment.Length..];
        }
    }

    /// <summary>Ends the response: a CRLF if the last line had none, then ".".</summary>
    public void Finish(IBufferWriter<byte> output)
    {
        if (!_atLineStart)
            Put(output, Pop3Replies.CrLf);
        Put(output, Pop3Replies.Terminator);
    }

    /// <summary>Room <see cref="Stuff"/> may need for <paramref name="inputLength"/> bytes: every line a lone '.'.</summary>
    public static int MaxStuffedLength(int inputLength) => inputLength + inputLength / 2 + 1;

    /// <summary>
    /// Copies <paramref name="input"/> to <paramref name="output"/> (at least
    /// <see cref="MaxStuffedLength"/> long), doubling each '.' that starts a line; returns the bytes
    /// written. A vectorized search for "\n." finds the only places that change, so a chunk without
    /// dot-leading lines is one search and one copy. <paramref name="atLineStart"/> carries, from one
    /// chunk to the next, whether the previous chunk ended with a line feed (start with true).
    /// </summary>
    public static int Stuff(ReadOnlySpan<byte> input, Span<byte> output, ref bool atLineStart)
    {
        if (input.IsEmpty)
            return 0;
        var last = input[^1];
        var written = 0;
        if (atLineStart && input[0] == ByteDot)
            output[written++] = ByteDot;
        int hit;
        while ((hit = input.IndexOf("\n."u8)) >= 0)
        {
            // Up to and including the LF, then the extra dot; the line's own dot starts the next run.
            input[..(hit + 1)].CopyTo(output[written..]);
            written += hit + 1;
            output[written++] = ByteDot;
            input = input[(hit + 1)..];
        }
        input.CopyTo(output[written..]);
        atLineStart = last == ByteLF;
        return written + input.Length;
    }

    /// <summary>The end of a multi-line response after <see cref="Stuff"/>: CRLF if the last line had none, then "." CRLF.</summary>
    public static int Terminate(Span<byte> output, bool atLineStart)
    {
        var written = 0;
        if (!atLineStart)
        {
            Pop3Replies.CrLf.CopyTo(output);
            written = Pop3Replies.CrLf.Length;
        }
        Pop3Replies.Terminator.CopyTo(output[written..]);
        return written + Pop3Replies.Terminator.Length;
    }

    private static void Put(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        var span = output.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        output.Advance(bytes.Length);
    }
}
