using System.Buffers;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>
/// The session's pending output. After a large response is sent its big buffer is dropped, so an
/// idle connection goes back to holding a few KiB.
/// </summary>
public sealed class ImapOutputBuffer : IBufferWriter<byte>
{
    private const int InitialSize = 4 * 1024;
    private const int KeepAtMost = 64 * 1024;
    private ArrayBufferWriter<byte> _inner = new(InitialSize);

    public int WrittenCount => _inner.WrittenCount;

    public ReadOnlyMemory<byte> WrittenMemory => _inner.WrittenMemory;

    public ReadOnlySpan<byte> WrittenSpan => _inner.WrittenSpan;

    public void Advance(int count) => _inner.Advance(count);

    public Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

    public void Clear()
    {
        if (_inner.Capacity > KeepAtMost)
        {
            _inner = new ArrayBufferWriter<byte>(InitialSize);
            return;
        }

        _inner.ResetWrittenCount();
    }
}
