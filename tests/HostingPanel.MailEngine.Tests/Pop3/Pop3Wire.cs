using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.MailEngine.Tests.Pop3;

/// <summary>A raw POP3 conversation over a real socket, for what a library client would never send.</summary>
public sealed class Pop3Wire : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;
    private StreamReader _reader;

    private Pop3Wire(TcpClient client, Stream stream)
    {
        _client = client;
        _stream = stream;
        _reader = new StreamReader(stream, Encoding.UTF8, false, 1024, leaveOpen: true);
    }

    public string Greeting { get; private set; } = "";

    public static async Task<Pop3Wire> ConnectAsync(int port, bool implicitTls = false)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        client.ReceiveTimeout = 10_000;
        Stream stream = client.GetStream();
        if (implicitTls)
        {
            var ssl = new SslStream(stream, false, (_, _, _, _) => true);
            await ssl.AuthenticateAsClientAsync("mail.test");
            stream = ssl;
        }
        var wire = new Pop3Wire(client, stream);
        wire.Greeting = await wire.ReadLineAsync();
        return wire;
    }

    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("mail.test");
        _stream = ssl;
        _reader = new StreamReader(ssl, Encoding.UTF8, false, 1024, leaveOpen: true);
    }

    public async Task SendRawAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public Task SendAsync(string line) => SendRawAsync(line + "\r\n");

    public async Task<string> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _reader.ReadLineAsync(timeout.Token) ?? "<closed>";
    }

    /// <summary>Sends a command and returns its status line.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line);
        return await ReadLineAsync();
    }

    /// <summary>Reads a multi-line body after a +OK, undoing dot-stuffing.</summary>
    public async Task<List<string>> ReadMultilineAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            if (line == ".")
                return lines;
            if (line == "<closed>")
                throw new IOException("connection closed inside a multi-line response");
            lines.Add(line.StartsWith("..") ? line[1..] : line);
        }
    }

    /// <summary>Reads a multi-line body exactly as sent, line ends and dot-stuffing included, up to and with CRLF "." CRLF.</summary>
    public async Task<string> ReadMultilineRawAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = new StringBuilder();
        var buffer = new char[1];
        while (!(text.Length == 3 && text.ToString() == ".\r\n" || text.Length > 4 && text.ToString(text.Length - 5, 5) == "\r\n.\r\n"))
        {
            if (await _reader.ReadAsync(buffer, timeout.Token) == 0)
                throw new IOException("connection closed inside a multi-line response");
            text.Append(buffer[0]);
        }
        return text.ToString();
    }

    public async Task LoginAsync(string user, string password = EngineHost.Password)
    {
        var ok1 = await CommandAsync("USER " + user);
        var ok2 = await CommandAsync("PASS " + password);
        if (!ok1.StartsWith("+OK") || !ok2.StartsWith("+OK"))
            throw new InvalidOperationException($"login failed: {ok1} / {ok2}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
