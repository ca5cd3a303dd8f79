using System.Net;
using System.Net.Sockets;
using System.Text;
using HostingPanel.MailEngine.Storage;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace HostingPanel.MailEngine.Tests.Smtp;

public static class SmtpTestKit
{
    /// <summary>The engine's database providers: SMTP delivery must behave the same on both.</summary>
    public static TheoryData<string> Providers => new() { "Sqlite", "PostgreSql" };

    /// <summary>An engine on <paramref name="provider"/>; PostgreSQL skips unless HOSTINGPANEL_TEST_POSTGRES is set (fails in CI).</summary>
    internal static Task<EngineHost> StartEngineAsync(string provider, Dictionary<string, string?>? settings = null) => provider switch
    {
        "Sqlite" => EngineHost.StartAsync(settings),
        "PostgreSql" => EngineHost.StartPostgresAsync(settings),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    public static MimeMessage Message(string from, string to, string subject, string body = "Hello.")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var t in to.Split(','))
            message.To.Add(MailboxAddress.Parse(t.Trim()));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    public static async Task<SmtpClient> ConnectAsync(int port, SecureSocketOptions security = SecureSocketOptions.None, string? user = null)
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 };
        await client.ConnectAsync("127.0.0.1", port, security);
        if (user is not null)
            await client.AuthenticateAsync(user, EngineHost.Password);
        return client;
    }

    /// <summary>The INBOX messages of a mailbox, as text.</summary>
    public static async Task<List<string>> InboxAsync(EngineHost engine, MailboxAccount account)
    {
        var inbox = await engine.InboxAsync(account);
        var texts = new List<string>();
        foreach (var m in await engine.Store.ListMessagesAsync(inbox.Id))
        {
            await using var body = engine.Store.OpenBody(m);
            texts.Add(await new StreamReader(body).ReadToEndAsync());
        }
        return texts;
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return;
            await Task.Delay(50);
        }
        Assert.Fail("Timed out waiting for: " + what);
    }
}

/// <summary>
/// A fake smarthost/MX on 127.0.0.1: answers each DATA with the reply <see cref="DataReply"/> gives
/// for that attempt (1-based) and keeps what it accepted.
/// </summary>
internal sealed class FakeSmtpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _dataAttempts;

    public FakeSmtpRelay()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Func<int, string> DataReply { get; set; } = _ => "250 2.0.0 accepted";
    public Func<string, string?> RcptReply { get; set; } = _ => null;
    public List<(string From, List<string> To, string Data)> Accepted { get; } = [];
    public int DataAttempts => Volatile.Read(ref _dataAttempts);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.UTF8);
            var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 fake.relay ESMTP");
            string from = "";
            var to = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-fake.relay\r\n250 8BITMIME");
                        break;
                    case "MAIL":
                        from = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                        to = [];
                        await writer.WriteLineAsync("250 2.1.0 ok");
                        break;
                    case "RCPT":
                        var rcpt = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                        var reply = RcptReply(rcpt);
                        if (reply is null)
                            to.Add(rcpt);
                        await writer.WriteLineAsync(reply ?? "250 2.1.5 ok");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 go ahead");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } d && d != ".")
                            data.Append(d.StartsWith("..") ? d[1..] : d).Append("\r\n");
                        var answer = DataReply(Interlocked.Increment(ref _dataAttempts));
                        if (answer.StartsWith('2'))
                            lock (Accepted)
                                Accepted.Add((from, to, data.ToString()));
                        await writer.WriteLineAsync(answer);
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("250 ok");
                        break;
                }
            }
        }
        catch (IOException) { }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _loop;
    }
}

/// <summary>A DNS server on 127.0.0.1 that answers every MX query from <see cref="Mx"/> (domain → exchange; "." is a null MX).</summary>
internal sealed class FakeDnsServer : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeDnsServer() => _loop = Task.Run(LoopAsync);

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;
    public Dictionary<string, string> Mx { get; } = new(StringComparer.OrdinalIgnoreCase);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult request;
            try { request = await _udp.ReceiveAsync(_stop.Token); }
            catch (Exception) { return; }
            var q = request.Buffer;
            var pos = 12;
            var labels = new List<string>();
            while (q[pos] != 0)
            {
                labels.Add(Encoding.ASCII.GetString(q, pos + 1, q[pos]));
                pos += q[pos] + 1;
            }
            var questionEnd = pos + 5;
            var name = string.Join('.', labels);
            var response = new List<byte>();
            response.AddRange(q[..2]);
            response.AddRange(new byte[] { 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0 });
            response.AddRange(q[12..questionEnd]);
            if (Mx.TryGetValue(name, out var exchange))
            {
                response[7] = 1; // ANCOUNT
                var rdata = new List<byte> { 0, 10 };
                foreach (var label in exchange.Split('.', StringSplitOptions.RemoveEmptyEntries))
                {
                    rdata.Add((byte)label.Length);
                    rdata.AddRange(Encoding.ASCII.GetBytes(label));
                }
                rdata.Add(0);
                response.AddRange(new byte[] { 0xC0, 0x0C, 0, 15, 0, 1, 0, 0, 0, 60, 0, (byte)rdata.Count });
                response.AddRange(rdata);
            }
            else
            {
                response[3] = 0x83; // NXDOMAIN
            }
            await _udp.SendAsync(response.ToArray(), request.RemoteEndPoint);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _udp.Dispose();
        await _loop;
    }
}
