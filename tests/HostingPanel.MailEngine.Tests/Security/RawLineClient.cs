using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// Bytes on a real socket for any of the line protocols (IMAP, POP3, SMTP), with an in-place TLS
/// upgrade: what an attacker sends, byte for byte, which no client library would.
/// </summary>
internal sealed class RawLineClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private RawLineClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <param name="from">The client's own address (127.0.0.2, ... need no alias on Linux); null: the system's choice.</param>
    public static Task<RawLineClient> ConnectAsync(int port, bool implicitTls = false, System.Net.IPAddress? from = null) =>
        ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), implicitTls, from);

    /// <summary>To a server on another address (a balancer or a node on a machine of a network lab).</summary>
    public static async Task<RawLineClient> ConnectAsync(System.Net.IPEndPoint server, bool implicitTls = false, System.Net.IPAddress? from = null)
    {
        var tcp = from is null ? new TcpClient() : new TcpClient(new System.Net.IPEndPoint(from, 0));
        await tcp.ConnectAsync(server);
        var client = new RawLineClient(tcp);
        if (implicitTls)
            await client.StartTlsAsync();
        return client;
    }

    /// <summary>Negotiates TLS on the connection; bytes read but not yet consumed were plaintext and are dropped.</summary>
    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("mail.test");
        _stream = ssl;
        _pending.Clear();
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>One line without its CRLF; null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync(int timeoutMs = 15_000)
    {
        using var cts = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[8192];
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, lf + 1).ToArray()).TrimEnd('\r', '\n');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, cts.Token);
            }
            catch (IOException)
            {
                return null;
            }
            if (read == 0)
                return null;
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>IMAP: lines up to and including the one tagged <paramref name="tag"/>.</summary>
    public async Task<List<string>> ReadUntilTaggedAsync(string tag, int timeoutMs = 15_000)
    {
        var lines = new List<string>();
        while (await ReadLineAsync(timeoutMs) is { } line)
        {
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                return lines;
        }
        throw new IOException($"connection closed before the answer to {tag}; got: {string.Join(" | ", lines)}");
    }

    public async Task<List<string>> ImapAsync(string tag, string command, int timeoutMs = 15_000)
    {
        await SendAsync($"{tag} {command}\r\n");
        return await ReadUntilTaggedAsync(tag, timeoutMs);
    }

    /// <summary>SMTP: one reply, its lines joined with "\n"; null when closed.</summary>
    public async Task<string?> ReadSmtpReplyAsync(int timeoutMs = 15_000)
    {
        var lines = new List<string>();
        while (await ReadLineAsync(timeoutMs) is { } line)
        {
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
                return string.Join("\n", lines);
        }
        return lines.Count == 0 ? null : string.Join("\n", lines);
    }

    /// <summary>One command and its reply; null when the server has closed the connection.</summary>
    public async Task<string?> SmtpAsync(string command)
    {
        try
        {
            await SendAsync(command + "\r\n");
        }
        catch (IOException)
        {
            return null;
        }
        return await ReadSmtpReplyAsync();
    }

    /// <summary>True when the server closes the connection within the time (reads end).</summary>
    public async Task<bool> IsClosedAsync(int timeoutMs = 10_000)
    {
        try
        {
            while (await ReadLineAsync(timeoutMs) is not null)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { await _stream.DisposeAsync(); } catch (IOException) { }
        _tcp.Dispose();
    }
}
