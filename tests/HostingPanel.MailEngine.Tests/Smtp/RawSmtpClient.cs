using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>Bytes on a socket, for what real clients never send (smuggling, pipelined STARTTLS, garbage).</summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private RawSmtpClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawSmtpClient> ConnectAsync(int port, bool implicitTls = false)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var raw = new RawSmtpClient(client);
        if (implicitTls)
            await raw.StartTlsAsync();
        return raw;
    }

    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("mail.test");
        _stream = ssl;
        _pending.Clear();
    }

    public Task WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>One reply, all its lines joined with "\n"; null when the server closed the connection.</summary>
    public async Task<string?> ReadReplyAsync(int timeoutMs = 10_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cts.Token);
            if (line is null)
                return lines.Count == 0 ? null : string.Join("\n", lines);
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
                return string.Join("\n", lines);
        }
    }

    public async Task<string?> CommandAsync(string command)
    {
        await WriteAsync(command + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>True when the server has closed the connection (reads return 0 or fail).</summary>
    public async Task<bool> IsClosedAsync(int timeoutMs = 5000)
    {
        try
        {
            return await ReadReplyAsync(timeoutMs) is null;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, lf + 1).ToArray()).TrimEnd('\r', '\n');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }
            var read = await _stream.ReadAsync(buffer, ct);
            if (read == 0)
                return null;
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
