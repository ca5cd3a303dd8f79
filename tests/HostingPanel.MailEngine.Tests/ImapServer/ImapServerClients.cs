using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>Clients for the IMAP server tests: MailKit for what clients do, raw lines for what they must not.</summary>
internal static class ImapServerClients
{
    public static async Task<ImapClient> MailKitAsync(EngineHost engine, string user, bool implicitTls = false, bool useLogin = false)
    {
        var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", implicitTls ? engine.ImapsPort : engine.ImapPort, implicitTls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.None);
        if (useLogin)
            client.AuthenticationMechanisms.Clear();
        await client.AuthenticateAsync(user, EngineHost.Password);
        return client;
    }

    public static async Task<ImapWire> WireAsync(EngineHost engine, string? user = null)
    {
        var wire = await ImapWire.ConnectAsync(engine.ImapPort);
        if (user is not null)
            Assert.StartsWith("a0 OK", (await wire.CommandAsync($"a0 LOGIN {user} \"{EngineHost.Password}\"")).Last());
        return wire;
    }
}

/// <summary>A line-oriented IMAP client over a raw socket.</summary>
internal sealed class ImapWire : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly StreamReader _reader;

    private ImapWire(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public string Greeting { get; private set; } = "";

    public static Task<ImapWire> ConnectAsync(int port) => ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));

    /// <summary>To a server on another address (a balancer or a node on a machine of a network lab).</summary>
    public static async Task<ImapWire> ConnectAsync(System.Net.IPEndPoint server)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server);
        var wire = new ImapWire(tcp);
        wire.Greeting = await wire.ReadLineAsync() ?? "";
        return wire;
    }

    public Task SendAsync(string text) => SendRawAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendRawAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return await _reader.ReadLineAsync(timeout.Token);
    }

    /// <summary>Sends one command line and reads up to its tagged answer; returns every line.</summary>
    public async Task<List<string>> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadUntilTaggedAsync(line.Split(' ')[0]);
    }

    public async Task<List<string>> ReadUntilTaggedAsync(string tag)
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } l)
        {
            lines.Add(l);
            if (l.StartsWith(tag + " ", StringComparison.Ordinal))
                break;
        }
        return lines;
    }

    public void Abort() => _tcp.Client.Close(0);

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
