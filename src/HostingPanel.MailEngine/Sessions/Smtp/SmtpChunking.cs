using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using HostingPanel.MailEngine.Protocol.Smtp;
using SmtpServer;
using SmtpServer.Protocol;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// CHUNKING (RFC 3030): <c>BDAT size [LAST]</c> followed by exactly <c>size</c> octets, no dot-stuffing,
/// no end marker. SmtpServer 11.1.0 has no BDAT and no way to add a command (its state table and
/// <c>SmtpCommand.ExecuteAsync</c> are internal), so the transport does it: chunks are read and
/// answered here, and the last one is handed to the package as an ordinary DATA (dot-stuffed, with its
/// 354 swallowed on the way out), so the message goes through the same checks, store and replies as DATA.
/// </summary>
/// <remarks>
/// <code>
/// bdat-cmd   ::= "BDAT" SP chunk-size [ SP end-marker ] CR LF     ; RFC 3030 section 2
/// chunk-size ::= 1*DIGIT
/// end-marker ::= "LAST"
/// </code>
/// A refused BDAT still has its octets read (section 2: the client has sent them already), so the
/// session stays in step. BINARYMIME is not offered: the store keeps messages with CRLF line ends
/// (bare LF and CR are normalised), so binary bodies could not be kept byte for byte.
/// </remarks>
internal sealed class SmtpChunking
{
    private static readonly byte[] Dot = "."u8.ToArray();
    private readonly ISessionContext _context;
    private readonly long _maxMessageSize;
    private MemoryStream? _chunks;
    private bool _transactionOpen;
    private bool _tooBig;

    public SmtpChunking(ISessionContext context, long maxMessageSize)
    {
        _context = context;
        _maxMessageSize = maxMessageSize;
        context.CommandExecuting += (_, e) =>
        {
            if (e.Command is MailCommand or RsetCommand or HeloCommand or EhloCommand or DataCommand)
                Reset();
        };
        context.CommandExecuted += (_, e) =>
        {
            if (e.Command is MailCommand)
                _transactionOpen = true;
            if (e.Command is DataCommand)
                _transactionOpen = false;
        };
    }

    /// <summary>Set when the last chunk became a DATA for the package: its 354 must not reach the client.</summary>
    public bool SwallowStartMailInput { get; set; }

    /// <summary>
    /// Set when the package answered that DATA with anything but 354: the message it would have read
    /// must be dropped, never read as commands.
    /// </summary>
    public bool DataRefused { get; set; }

    /// <summary>Whether a chunk has been taken in this transaction (DATA is then out of sequence).</summary>
    public bool HasChunks => _chunks is not null;

    private void Reset()
    {
        _chunks = null;
        _tooBig = false;
        _transactionOpen = false;
    }

    /// <summary>BDAT's arguments, or null when the line is not a well-formed BDAT.</summary>
    public static (long Size, bool Last)? Parse(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length is < 2 or > 3 || parts[1].Length is 0 or > 18 || !parts[1].All(char.IsAsciiDigit))
            return null;
        if (parts.Length == 3 && !parts[2].Equals("LAST", StringComparison.OrdinalIgnoreCase))
            return null;
        return (long.Parse(parts[1]), parts.Length == 3);
    }

    /// <summary>
    /// Takes one chunk. Returns the reply to send (a non-last chunk, or a refusal), or null with
    /// <paramref name="data"/> set when the last chunk completes the message and the package is to
    /// read it as DATA.
    /// </summary>
    public string? Take(long size, bool last, ReadOnlySequence<byte> octets, out ReadOnlySequence<byte> data)
    {
        data = default;
        // The mailbox filter counts accepted recipients from MAIL on (SmtpSessionData).
        if (!_transactionOpen || _context.RecipientCount() == 0)
            return SmtpBadSequence.Reply(_transactionOpen ? "BDAT needs an accepted RCPT first" : "BDAT needs MAIL and RCPT first");
        _chunks ??= new MemoryStream();
        if (!_tooBig && _chunks.Length + size > _maxMessageSize)
        {
            _tooBig = true;
            _chunks.SetLength(0); // nothing more is kept; the transaction can only fail now
        }
        if (!_tooBig)
        {
            foreach (var segment in octets)
                _chunks.Write(segment.Span);
        }
        if (!last)
            return _tooBig ? "552 5.3.4 message exceeds the maximum size" : $"250 2.0.0 {size} octets received";
        var message = _chunks;
        var tooBig = _tooBig;
        Reset();
        if (tooBig)
            return "552 5.3.4 message exceeds the maximum size";
        data = AsDotStuffedData(message.GetBuffer().AsMemory(0, (int)message.Length));
        SwallowStartMailInput = true;
        return null;
    }

    /// <summary>
    /// The message as the package reads a DATA: "DATA", the lines (bare line ends made CRLF, each dot at
    /// a line start doubled, RFC 5321 4.5.2), and CRLF.CRLF. The package undoes the stuffing after CRLF
    /// only, so a dot at the very start is left alone (it cannot be taken for the end there).
    /// </summary>
    internal static ReadOnlySequence<byte> AsDotStuffedData(ReadOnlyMemory<byte> message)
    {
        var lines = SmtpLineEnds.Normalize(new ReadOnlySequence<byte>(message), unstuffAfterBareLf: false).ToArray();
        using var output = new MemoryStream(lines.Length + lines.Length / 40 + 16);
        output.Write("DATA\r\n"u8);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i] == (byte)'.' && i > 0 && lines[i - 1] == (byte)'\n')
                output.Write(Dot);
            output.WriteByte(lines[i]);
        }
        if (lines.Length == 0 || lines[^1] != (byte)'\n')
            output.Write("\r\n"u8);
        output.Write(".\r\n"u8);
        return new ReadOnlySequence<byte>(output.ToArray());
    }

    /// <summary>Reads exactly <paramref name="size"/> octets that follow the BDAT line, across as many reads as they take.</summary>
    public static async ValueTask<ReadOnlySequence<byte>> ReadOctetsAsync(PipeReader reader, long size, long keepAtMost, CancellationToken ct)
    {
        var kept = new ArrayBufferWriter<byte>((int)Math.Min(Math.Max(size, 1), Math.Min(keepAtMost, 1 << 20) + 1));
        var remaining = size;
        while (remaining > 0)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            var take = buffer.Slice(0, Math.Min(remaining, buffer.Length));
            if (size <= keepAtMost)
                foreach (var segment in take)
                    kept.Write(segment.Span);
            remaining -= take.Length;
            reader.AdvanceTo(take.End);
            if (remaining > 0 && result.IsCompleted)
                throw new IOException("connection closed inside a BDAT chunk");
        }
        return new ReadOnlySequence<byte>(kept.WrittenMemory);
    }
}
