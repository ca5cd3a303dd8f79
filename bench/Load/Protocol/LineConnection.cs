using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.Bench.Load.Protocol;

/// <summary>
/// A TCP connection read line by line (CRLF or LF) from its own buffer, with exact-length skips for
/// literals. Lines are handed out as spans into the buffer, valid until the next read, so that
/// the client side spends as little CPU as possible: the server is what is being measured.
/// </summary>
internal sealed class LineConnection : IAsyncDisposable
{
    private const byte ByteLF = (byte)'\n';
    private const byte ByteCR = (byte)'\r';

    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _lineStart;
    private int _lineLength;

    private LineConnection(Socket socket) => _socket = socket;

    /// <summary>Bytes received so far (protocol framing included).</summary>
    public long BytesReceived { get; private set; }

    public static async Task<LineConnection> ConnectAsync(string host, int port, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port), ct).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new LineConnection(socket);
    }

    /// <summary>The last line read, without its line ending.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    public string LineText => Encoding.Latin1.GetString(Line);

    public bool LineStartsWith(ReadOnlySpan<byte> prefix) => Line.StartsWith(prefix);

    /// <summary>Reads the next line; it is then available as <see cref="Line"/>.</summary>
    public async ValueTask ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var index = _buffer.AsSpan(_start, _end - _start).IndexOf(ByteLF);
            if (index >= 0)
            {
                _lineStart = _start;
                _lineLength = index > 0 && _buffer[_start + index - 1] == ByteCR ? index - 1 : index;
                _start += index + 1;
                return;
            }
            await FillAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Consumes exactly <paramref name="count"/> bytes (an IMAP literal) without keeping them.</summary>
    public async ValueTask SkipAsync(long count, CancellationToken ct)
    {
        while (count > 0)
        {
            if (_start == _end) await FillAsync(ct).ConfigureAwait(false);
            var take = (int)Math.Min(count, _end - _start);
            _start += take;
            count -= take;
        }
    }

    /// <summary>Reads lines until a line that is exactly "." (POP3 and SMTP multi-line data end).</summary>
    public async ValueTask<long> ReadDotTerminatedAsync(CancellationToken ct)
    {
        long bytes = 0;
        while (true)
        {
            await ReadLineAsync(ct).ConfigureAwait(false);
            if (_lineLength == 1 && _buffer[_lineStart] == (byte)'.') return bytes;
            bytes += _lineLength + 2;
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var sent = await _socket.SendAsync(data, SocketFlags.None, ct).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    public ValueTask WriteAsync(string text, CancellationToken ct) => WriteAsync(Encoding.UTF8.GetBytes(text), ct);

    private async ValueTask FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _lineStart = 0;
            _lineLength = 0;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, ct).ConfigureAwait(false);
        if (read == 0) throw new IOException("connection closed by the server");
        _end += read;
        BytesReceived += read;
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
