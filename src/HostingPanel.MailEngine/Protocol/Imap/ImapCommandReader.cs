using System.Buffers;

namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// Frames IMAP commands out of a byte stream: one command with all its literals, resumable at any
/// byte. It never blocks and never parses: <see cref="TryRead"/> returns false for "need more
/// data" and the caller advances its pipe to what the <see cref="SequenceReader{T}"/> consumed
/// (everything it saw is either consumed or left unread, so "examined" is the reader's end).
/// </summary>
/// <remarks>
/// <code>
/// command  = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
/// literal  = "{" number64 ["+"] "}" CRLF *CHAR8        ; RFC 9051, "+" is RFC 7888 LITERAL+
/// literal8 = "~{" number64 ["+"] "}" CRLF *OCTET       ; RFC 3516 BINARY
/// </code>
/// A line that ends with a literal marker (outside a quoted string) continues, after the literal's
/// bytes, with the next line. Limits (<see cref="ImapLimits"/>) are checked before anything is
/// buffered: a too-long line is refused as soon as it passes the limit (even if its LF never comes)
/// and skipped to its end, at most MaxDiscardSize bytes of it; a too-large synchronizing literal is refused
/// without "+" so the client never sends it; a too-large non-synchronizing literal ends the
/// connection (tagged BAD [TOOBIG], then BYE) before any of its bytes is read. The non-synchronizing
/// literals of a command refused for another reason (too many literals, command too large, a
/// too-long line) are read and thrown away, so none of their bytes is ever taken for a command.
/// </remarks>
public sealed class ImapCommandReader
{
    private enum State
    {
        Line,
        Literal,
        DiscardLine,
        DiscardLiteral,
    }

    private readonly ImapLimits _limits;
    private readonly ArrayBufferWriter<byte> _line = new(256);
    private readonly List<ReadOnlyMemory<byte>> _lines = [];
    private readonly List<ImapLiteral> _literals = [];
    private State _state = State.Line;
    private string? _tag;
    private long _commandSize;
    private byte[]? _literal;
    private int _literalFilled;
    private bool _literalBinary;
    private bool _literalNonSync;
    private long _discardRemaining;
    private long _discardedTotal;
    private ImapFramingError? _pendingError;

    // Whether the refusal in _pendingError has been handed out already (a too-long line, before its end).
    private bool _answered;

    // Whether the too-long line being skipped has already been read up to its LF.
    private bool _discardLineComplete;

    // The last bytes of a line being skipped for length: enough to see whether it ended with a
    // literal marker, whose bytes must then be skipped too.
    private readonly byte[] _discardTail = new byte[32];
    private int _discardTailLength;

    public ImapCommandReader(ImapLimits limits)
    {
        _limits = limits;
    }

    /// <summary>True while a command has started but is not complete (used to tell a clean close from a cut one).</summary>
    public bool IsInsideCommand => _state != State.Line || _line.WrittenCount > 0 || _lines.Count > 0;

    /// <summary>Frames the next command, or reports a continuation request or a refusal.</summary>
    /// <returns>False when more bytes are needed; everything given has then been consumed.</returns>
    public bool TryRead(ref SequenceReader<byte> input, out ImapReadResult result)
    {
        while (true)
        {
            switch (_state)
            {
                case State.Line:
                    if (!TryCompleteLine(ref input, out var tooLong))
                    {
                        result = default;
                        return false;
                    }

                    if (tooLong)
                    {
                        if (!_discardLineComplete && !_answered)
                        {
                            // The line broke the limit before its LF arrived: answer now, as Dovecot does,
                            // instead of staying silent while a client that never sends CRLF keeps writing.
                            // Its remaining bytes (and a trailing literal's) are still skipped, up to
                            // MaxDiscardSize, and the refusal is not repeated when the line ends.
                            _answered = true;
                            result = ImapReadResult.Reject(_pendingError!);
                            return true;
                        }

                        continue;
                    }

                    if (OnLineComplete(out result))
                    {
                        return true;
                    }

                    continue;

                case State.Literal:
                    {
                        var wanted = _literal!.Length - _literalFilled;
                        var take = (int)Math.Min(wanted, input.Remaining);
                        input.UnreadSequence.Slice(0, take).CopyTo(_literal.AsSpan(_literalFilled));
                        input.Advance(take);
                        _literalFilled += take;
                        if (_literalFilled < _literal.Length)
                        {
                            result = default;
                            return false;
                        }

                        _literals.Add(new ImapLiteral(_literal, _literalBinary, _literalNonSync));
                        _literal = null;
                        _state = State.Line;
                        continue;
                    }

                case State.DiscardLiteral:
                    {
                        var take = Math.Min(_discardRemaining, input.Remaining);
                        input.Advance(take);
                        _discardRemaining -= take;
                        if (_discardRemaining > 0)
                        {
                            result = default;
                            return false;
                        }

                        _state = State.Line;
                        continue;
                    }

                case State.DiscardLine:
                    switch (SkipLongLine(ref input, out result))
                    {
                        case SkipOutcome.NeedMore:
                            return false;
                        case SkipOutcome.Result:
                            return true;
                        default:
                            continue;
                    }
            }
        }
    }

    /// <summary>
    /// Reads one bare line (an AUTHENTICATE response, IDLE's DONE) between commands.
    /// A line longer than the limit is skipped to its end and reported with <paramref name="tooLong"/>.
    /// </summary>
    public bool TryReadLine(ref SequenceReader<byte> input, out ReadOnlyMemory<byte> line, out bool tooLong)
    {
        line = default;
        tooLong = false;
        if (_state == State.DiscardLine)
        {
            if (!_discardLineComplete && !input.TryAdvanceTo(ImapBytes.LF, advancePastDelimiter: true))
            {
                input.AdvanceToEnd();
                return false;
            }

            Reset();
            tooLong = true;
            return true;
        }

        if (!TryCompleteLine(ref input, out var skipped))
        {
            return false;
        }

        if (skipped && !_discardLineComplete)
        {
            // Too long and no LF yet: report it now; the next TryRead skips the rest of the line
            // (bounded by MaxDiscardSize) without a second refusal.
            _answered = true;
            tooLong = true;
            return true;
        }

        if (skipped)
        {
            // The rest of the long line is already here.
            return TryReadLine(ref input, out line, out tooLong);
        }

        line = TakeLine();
        return true;
    }

    /// <summary>Collects bytes up to LF into the line buffer.</summary>
    /// <returns>False for "need more"; <paramref name="tooLong"/> when the line broke the limit (state is then DiscardLine).</returns>
    private bool TryCompleteLine(ref SequenceReader<byte> input, out bool tooLong)
    {
        tooLong = false;
        var max = _limits.MaxLineLength + 1; // room for the CR before LF
        if (input.TryReadTo(out ReadOnlySequence<byte> segment, ImapBytes.LF, advancePastDelimiter: true))
        {
            if (_line.WrittenCount + segment.Length > max)
            {
                StartDiscardLine(segment);
                // The LF was found: the long line is over already.
                _state = State.DiscardLine;
                _discardLineComplete = true;
                tooLong = true;
                return true;
            }

            segment.CopyTo(_line.GetSpan((int)segment.Length));
            _line.Advance((int)segment.Length);
            return true;
        }

        var rest = input.UnreadSequence;
        if (_line.WrittenCount + rest.Length > max)
        {
            StartDiscardLine(rest);
            input.AdvanceToEnd();
            _state = State.DiscardLine;
            _discardLineComplete = false;
            tooLong = true;
            return true;
        }

        rest.CopyTo(_line.GetSpan((int)rest.Length));
        _line.Advance((int)rest.Length);
        input.AdvanceToEnd();
        return false;
    }

    private void StartDiscardLine(ReadOnlySequence<byte> segment)
    {
        if (_lines.Count == 0 && _tag is null)
        {
            // Keep the tag of a too-long first line so the BAD can carry it.
            Span<byte> head = stackalloc byte[Math.Min(64, _line.WrittenCount + (int)Math.Min(64, segment.Length))];
            var fromLine = Math.Min(head.Length, _line.WrittenCount);
            _line.WrittenSpan[..fromLine].CopyTo(head);
            segment.Slice(0, head.Length - fromLine).CopyTo(head[fromLine..]);
            _tag = ExtractTag(head, requireSpace: true);
        }

        _pendingError ??= new ImapFramingError(_tag ?? "*", ImapStatus.Bad, "LIMIT", "Command line too long.");
        _discardTailLength = 0;
        AppendDiscardTail(_line.WrittenSpan);
        foreach (var memory in segment)
        {
            AppendDiscardTail(memory.Span);
        }

        _discardedTotal += _line.WrittenCount + segment.Length;
        _line.Clear();
    }

    private void AppendDiscardTail(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= _discardTail.Length)
        {
            bytes[^_discardTail.Length..].CopyTo(_discardTail);
            _discardTailLength = _discardTail.Length;
            return;
        }

        var keep = Math.Min(_discardTailLength, _discardTail.Length - bytes.Length);
        Array.Copy(_discardTail, _discardTailLength - keep, _discardTail, 0, keep);
        bytes.CopyTo(_discardTail.AsSpan(keep));
        _discardTailLength = keep + bytes.Length;
    }

    private enum SkipOutcome
    {
        NeedMore,
        Continue,
        Result,
    }

    /// <summary>Skips the remainder of a too-long line; when it ends, ends or continues the refused command.</summary>
    private SkipOutcome SkipLongLine(ref SequenceReader<byte> input, out ImapReadResult result)
    {
        result = default;
        if (!_discardLineComplete)
        {
            var start = input.Consumed;
            if (input.TryReadTo(out ReadOnlySequence<byte> segment, ImapBytes.LF, advancePastDelimiter: true))
            {
                foreach (var memory in segment)
                {
                    AppendDiscardTail(memory.Span);
                }
            }
            else
            {
                foreach (var memory in input.UnreadSequence)
                {
                    AppendDiscardTail(memory.Span);
                }

                input.AdvanceToEnd();
                _discardedTotal += input.Consumed - start;
                if (_discardedTotal > _limits.MaxDiscardSize)
                {
                    result = ImapReadResult.Fail(new ImapFramingError("*", ImapStatus.Bye, null, "Too much unreadable input."));
                    Reset();
                    return SkipOutcome.Result;
                }

                return SkipOutcome.NeedMore;
            }

            _discardedTotal += input.Consumed - start;
        }

        _discardLineComplete = false;
        var tail = _discardTail.AsSpan(0, _discardTailLength);
        if (tail.Length > 0 && tail[^1] == ImapBytes.CR)
        {
            tail = tail[..^1];
        }

        _state = State.Line;
        if (TryFindTrailingLiteral(tail, ignoreQuotes: true, out var size, out var nonSync, out _) && nonSync)
        {
            return BeginDiscardLiteral(size, out result) ? SkipOutcome.Result : SkipOutcome.Continue;
        }

        // A synchronizing literal after a refused line is never sent: we do not send "+".
        return Answer(out result) ? SkipOutcome.Result : SkipOutcome.Continue;
    }

    /// <returns>True when a result is ready; false to keep reading.</returns>
    private bool OnLineComplete(out ImapReadResult result)
    {
        result = default;
        var lineSpan = _line.WrittenSpan;
        if (lineSpan.Length > 0 && lineSpan[^1] == ImapBytes.CR)
        {
            lineSpan = lineSpan[..^1];
        }

        if (lineSpan.Length == 0 && _lines.Count == 0 && _pendingError is null)
        {
            // Note: an empty line between commands is ignored rather than answered with BAD, as
            // Dovecot and Cyrus do; people typing into telnet send them.
            _line.Clear();
            return false;
        }

        if (_lines.Count == 0 && _tag is null)
        {
            _tag = ExtractTag(lineSpan, requireSpace: false);
        }

        _commandSize += lineSpan.Length + 2;
        var hasLiteral = TryFindTrailingLiteral(lineSpan, ignoreQuotes: false, out var size, out var nonSync, out var binary);

        if (_pendingError is not null)
        {
            _line.Clear();
            if (hasLiteral && nonSync)
            {
                return BeginDiscardLiteral(size, out result);
            }

            return Answer(out result);
        }

        if (_commandSize > _limits.MaxCommandSize)
        {
            _line.Clear();
            var error = new ImapFramingError(_tag!, ImapStatus.Bad, "LIMIT", "Command too large.");
            if (hasLiteral && nonSync)
            {
                _pendingError = error;
                return BeginDiscardLiteral(size, out result);
            }

            result = ImapReadResult.Reject(error);
            Reset();
            return true;
        }

        _lines.Add(TakeLine(lineSpan.Length));
        if (!hasLiteral)
        {
            result = ImapReadResult.Command(new ImapCommandFrame(_tag!, _lines.ToArray(), _literals.ToArray()));
            Reset();
            return true;
        }

        return BeginLiteral(size, nonSync, binary, out result);
    }

    /// <summary>
    /// The line announced a literal of <paramref name="size"/> bytes: refuse it past the limits, else get ready to
    /// read it (and ask for it with "+" when it is synchronizing).
    /// </summary>
    /// <returns>True when a result is ready; false to keep reading.</returns>
    private bool BeginLiteral(long size, bool nonSync, bool binary, out ImapReadResult result)
    {
        result = default;
        if (nonSync && size > _limits.MaxLiteralSize)
        {
            // RFC 7888 section 4: the client sends a non-synchronizing literal without waiting, so
            // its bytes are already on the way; rather than read up to a limit's worth of them to
            // nowhere, answer BAD [TOOBIG] and close (the session writes BYE after the tagged BAD).
            result = ImapReadResult.Fail(new ImapFramingError(_tag!, ImapStatus.Bad, "TOOBIG",
                "Non-synchronizing literal larger than " + _limits.MaxLiteralSize + " bytes; closing."));
            Reset();
            return true;
        }

        var refusal = LiteralRefusal(size);
        if (refusal is not null)
        {
            if (!nonSync)
            {
                // No "+" is sent, so the client sends no literal (RFC 9051 section 4.3).
                result = ImapReadResult.Reject(refusal);
                Reset();
                return true;
            }

            _pendingError = refusal;
            return BeginDiscardLiteral(size, out result);
        }

        _commandSize += size;
        _literal = size == 0 ? [] : new byte[size];
        _literalFilled = 0;
        _literalBinary = binary;
        _literalNonSync = nonSync;
        _state = State.Literal;
        if (!nonSync)
        {
            result = ImapReadResult.Continuation(size);
            return true;
        }

        return false;
    }

    /// <summary>Why a literal of <paramref name="size"/> bytes is refused (TOOBIG or LIMIT); null when it fits.</summary>
    private ImapFramingError? LiteralRefusal(long size)
    {
        if (size > _limits.MaxLiteralSize)
        {
            return new ImapFramingError(_tag!, ImapStatus.No, "TOOBIG", "Literal larger than " + _limits.MaxLiteralSize + " bytes.");
        }

        if (_commandSize + size > _limits.MaxCommandSize)
        {
            return new ImapFramingError(_tag!, ImapStatus.No, "TOOBIG", "Command larger than " + _limits.MaxCommandSize + " bytes.");
        }

        if (_literals.Count >= _limits.MaxLiteralsPerCommand)
        {
            return new ImapFramingError(_tag!, ImapStatus.Bad, "LIMIT", "Too many literals in one command.");
        }

        return null;
    }

    /// <summary>Ends a refused command: its refusal, unless it was given already when its line grew too long.</summary>
    private bool Answer(out ImapReadResult result)
    {
        var answered = _answered;
        result = answered ? default : ImapReadResult.Reject(_pendingError!);
        Reset();
        return !answered;
    }

    private bool BeginDiscardLiteral(long size, out ImapReadResult result)
    {
        result = default;
        _discardedTotal += size;
        if (_discardedTotal > _limits.MaxDiscardSize)
        {
            // Reading that many bytes to nowhere helps nobody: end the connection instead.
            result = ImapReadResult.Fail(new ImapFramingError("*", ImapStatus.Bye, "TOOBIG", "Literal too large; closing."));
            Reset();
            return true;
        }

        _discardRemaining = size;
        _state = State.DiscardLiteral;
        return false;
    }

    private ReadOnlyMemory<byte> TakeLine(int? length = null)
    {
        var span = _line.WrittenSpan;
        var take = length ?? (span.Length > 0 && span[^1] == ImapBytes.CR ? span.Length - 1 : span.Length);
        var copy = span[..take].ToArray();
        _line.Clear();
        return copy;
    }

    private void Reset()
    {
        _state = State.Line;
        _line.Clear();
        _lines.Clear();
        _literals.Clear();
        _tag = null;
        _commandSize = 0;
        _literal = null;
        _pendingError = null;
        _answered = false;
        _discardRemaining = 0;
        _discardedTotal = 0;
        _discardTailLength = 0;
    }

    /// <summary>The tag at the start of a line, or "*" when there is none that is valid.</summary>
    internal static string ExtractTag(ReadOnlySpan<byte> line, bool requireSpace)
    {
        var end = line.IndexOf(ImapBytes.Space);
        if (end < 0)
        {
            if (requireSpace)
            {
                return "*";
            }

            end = line.Length;
        }

        if (end == 0)
        {
            return "*";
        }

        foreach (var b in line[..end])
        {
            if (!ImapBytes.IsTagChar(b))
            {
                return "*";
            }
        }

        return System.Text.Encoding.ASCII.GetString(line[..end]);
    }

    /// <summary>Finds a <c>{n}</c>, <c>{n+}</c> or <c>~{n}</c> marker that ends a line outside any quoted string.</summary>
    internal static bool TryFindTrailingLiteral(ReadOnlySpan<byte> line, bool ignoreQuotes, out long size, out bool nonSync, out bool binary)
    {
        size = 0;
        nonSync = false;
        binary = false;
        if (line.Length < 3 || line[^1] != ImapBytes.CloseBrace)
        {
            return false;
        }

        var open = line.LastIndexOf(ImapBytes.OpenBrace);
        if (open < 0)
        {
            return false;
        }

        var inner = line[(open + 1)..^1];
        if (inner.Length > 0 && inner[^1] == ImapBytes.Plus)
        {
            nonSync = true;
            inner = inner[..^1];
        }

        if (inner.Length == 0)
        {
            return false;
        }

        foreach (var b in inner)
        {
            if (!ImapBytes.IsDigit(b))
            {
                return false;
            }

            // Anything past long.MaxValue is "too large" all the same.
            size = size > (long.MaxValue - 9) / 10 ? long.MaxValue : (size * 10) + (b - ImapBytes.Zero);
        }

        if (!ignoreQuotes && EndsInsideQuote(line[..open]))
        {
            return false;
        }

        binary = open > 0 && line[open - 1] == ImapBytes.Tilde;
        return true;
    }

    private static bool EndsInsideQuote(ReadOnlySpan<byte> text)
    {
        var inQuote = false;
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (inQuote && b == ImapBytes.Backslash)
            {
                i++;
            }
            else if (b == ImapBytes.DoubleQuote)
            {
                inQuote = !inQuote;
            }
        }

        return inQuote;
    }
}
