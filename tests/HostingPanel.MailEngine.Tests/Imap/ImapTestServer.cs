using System.Net;
using System.Net.Sockets;
using System.Text;
using HostingPanel.MailEngine.Sessions.Imap;
using HostingPanel.MailEngine.Listeners;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>Runs <see cref="ImapConnection"/>s on a loopback port over an in-memory store.</summary>
internal sealed class ImapTestServer : IAsyncDisposable
{
    private readonly ImapListener _listener;

    public ImapTestServer(ImapSessionOptions? options = null)
    {
        Options = options ?? new ImapSessionOptions { AllowPlaintextAuth = true, Hostname = "test.example" };
        Account = Store.AddUser("user@example.com", "secret", quotaBytes: 10 * 1024 * 1024);
        _listener = new ImapListener(new IPEndPoint(IPAddress.Loopback, 0), Options, Store, certificate: null, implicitTls: false);
        _listener.Start();
    }

    public InMemoryImapStore Store { get; } = new();

    public InMemoryImapAccount Account { get; }

    public ImapSessionOptions Options { get; }

    public int Port => _listener.LocalEndPoint.Port;

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}

/// <summary>A raw line-based client for C:/S: transcripts.</summary>
internal sealed class ImapRawClient : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private Stream _stream = Stream.Null;
    private StreamReader? _reader;

    public static async Task<ImapRawClient> ConnectAsync(int port)
    {
        var client = new ImapRawClient();
        await client._client.ConnectAsync(IPAddress.Loopback, port);
        client._stream = client._client.GetStream();
        client._reader = new StreamReader(client._stream, Encoding.UTF8);
        await client.ReadLineAsync(); // greeting
        return client;
    }

    public async Task SendAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task<string> ReadLineAsync() =>
        await _reader!.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)) ?? throw new EndOfStreamException();

    /// <summary>Sends a command and returns every line up to and including its tagged response.</summary>
    public async Task<List<string>> CommandAsync(string tag, string text)
    {
        await SendAsync(tag + " " + text + "\r\n");
        return await ReadUntilTaggedAsync(tag);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync();
            lines.Add(line);
            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    public async Task LoginAsync() => await CommandAsync("L1", "LOGIN user@example.com secret");

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
