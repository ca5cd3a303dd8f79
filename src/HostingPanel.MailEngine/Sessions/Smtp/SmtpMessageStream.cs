using System.Buffers;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// Our trace headers followed by the received bytes, read in place: the message is not copied again
/// (the package already holds all of it in memory, up to Mail:SmtpLimits:MaxMessageSize).
/// </summary>
/// <remarks>
/// SmtpServer 11.1.0 hands over the data without the CRLF that ends its last line, the one before the
/// final dot, which RFC 5321 4.1.1.4 counts as part of the message ("the first &lt;CRLF&gt; is actually
/// the terminator of the previous line"). It is put back here, so the stored message is the one sent:
/// same bytes, same RFC822.SIZE as any other server would report.
/// </remarks>
internal sealed class SmtpMessageStream(ReadOnlyMemory<byte> prefix, ReadOnlySequence<byte> message) : Stream
{
    private static readonly ReadOnlyMemory<byte> LineEnd = "\r\n"u8.ToArray();
    private ReadOnlyMemory<byte> _prefix = prefix;
    private ReadOnlySequence<byte> _rest = message;
    private ReadOnlyMemory<byte> _suffix = EndsWithLineEnd(message) ? ReadOnlyMemory<byte>.Empty : LineEnd;

    private static bool EndsWithLineEnd(ReadOnlySequence<byte> message)
    {
        if (message.IsEmpty)
        {
            return true; // an empty DATA has no last line to end
        }

        if (message.Length < 2)
        {
            return false;
        }

        Span<byte> last = stackalloc byte[2];
        message.Slice(message.Length - 2).CopyTo(last);
        return last[0] == (byte)'\r' && last[1] == (byte)'\n';
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_prefix.IsEmpty)
        {
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
        if (!_rest.IsEmpty)
        {
            var take = (int)Math.Min(buffer.Length, _rest.Length);
            _rest.Slice(0, take).CopyTo(buffer);
            _rest = _rest.Slice(take);
            return take;
        }

        var tail = Math.Min(buffer.Length, _suffix.Length);
        _suffix.Span[..tail].CopyTo(buffer);
        _suffix = _suffix[tail..];
        return tail;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));
}
