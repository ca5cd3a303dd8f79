using System.Buffers;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// Our trace headers followed by the received bytes, read in place: the message is not copied again
/// (the package already holds all of it in memory, up to Mail:SmtpLimits:MaxMessageSize).
/// </summary>
internal sealed class SmtpMessageStream(ReadOnlyMemory<byte> prefix, ReadOnlySequence<byte> message) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;
    private ReadOnlySequence<byte> _rest = message;

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
        var take = (int)Math.Min(buffer.Length, _rest.Length);
        _rest.Slice(0, take).CopyTo(buffer);
        _rest = _rest.Slice(take);
        return take;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));
}
