using System.Buffers;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>
/// The session's pending output, in an array rented from the shared pool while there is something
/// to send and returned once it is sent: a connection waiting for its client (IDLE, between
/// commands) holds no output buffer at all, which matters at thousands of idle connections.
/// </summary>
public sealed class ImapOutputBuffer : IBufferWriter<byte>
{
    private const int InitialSize = 4 * 1024;
    // Larger arrays (a big FETCH) go to the garbage collector rather than stay in the pool.
    private const int ReturnAtMost = 64 * 1024;
    private byte[] _buffer = [];
    private int _written;

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets what was written (after it was sent) and gives the array back to the pool.</summary>
    public void Clear()
    {
        var rented = _buffer;
        _buffer = [];
        _written = 0;
        GiveBack(rented);
    }

    private void Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var size = Math.Max(Math.Max(InitialSize, _buffer.Length * 2), _written + needed);
        var next = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(next);
        var old = _buffer;
        _buffer = next;
        GiveBack(old);
    }

    private static void GiveBack(byte[] array)
    {
        if (array.Length is > 0 and <= ReturnAtMost)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
