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
/// A fake smarthost/MX on 127.0.0.1: answers each DATA (or last BDAT) with the reply <see cref="DataReply"/>
/// gives for that attempt (1-based) and keeps what it accepted, and every MAIL and RCPT line as sent.
/// <see cref="Extensions"/> are offered at EHLO (DSN and CHUNKING are understood).
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
    public List<string> Extensions { get; set; } = ["8BITMIME"];
    /// <summary>
    /// Offers STARTTLS when set: the certificate for the name the client asks for (SNI), so one relay can play several
    /// MX hosts with good and bad certificates; null for a name means the first entry's.
    /// </summary>
    public Func<string?, System.Security.Cryptography.X509Certificates.X509Certificate2?>? CertificateFor { get; set; }
    /// <summary>Recipients of messages accepted over TLS.</summary>
    public List<string> AcceptedOverTls { get; } = [];
    public List<(string From, List<string> To, string Data)> Accepted { get; } = [];
    /// <summary>MAIL, RCPT, DATA and BDAT command lines in the order received.</summary>
    public List<string> Commands { get; } = [];
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
            Stream stream = client.GetStream();
            var wire = new ByteWire(stream);
            var secure = false;
            async Task ReplyAsync(string text) => await stream.WriteAsync(Encoding.UTF8.GetBytes(text + "\r\n"));
            await ReplyAsync("220 fake.relay ESMTP");
            string from = "";
            var to = new List<string>();
            var chunks = new MemoryStream();
            while (await wire.ReadLineAsync() is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                if (verb is "MAIL" or "RCPT" or "DATA" or "BDAT")
                    lock (Commands)
                        Commands.Add(line);
                switch (verb)
                {
                    case "EHLO":
                        var offered = CertificateFor is not null && !secure ? [.. Extensions, "STARTTLS"] : Extensions;
                        await ReplyAsync(string.Join("\r\n", new[] { "fake.relay" }.Concat(offered).Select((e, i) => (i == offered.Count ? "250 " : "250-") + e)));
                        break;
                    case "STARTTLS" when CertificateFor is { } certificateFor && !secure:
                        await ReplyAsync("220 2.0.0 go ahead");
                        var tls = new System.Net.Security.SslStream(stream);
                        await tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions
                        {
                            ServerCertificateSelectionCallback = (_, name) => certificateFor(name) ?? certificateFor(null)!,
                        });
                        stream = tls;
                        wire = new ByteWire(stream);
                        secure = true;
                        break;
                    case "MAIL":
                        from = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                        to = [];
                        chunks = new MemoryStream();
                        await ReplyAsync("250 2.1.0 ok");
                        break;
                    case "RCPT":
                        var rcpt = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                        var reply = RcptReply(rcpt);
                        if (reply is null)
                            to.Add(rcpt);
                        await ReplyAsync(reply ?? "250 2.1.5 ok");
                        break;
                    case "DATA":
                        await ReplyAsync("354 go ahead");
                        var data = new StringBuilder();
                        while (await wire.ReadLineAsync() is { } d && d != ".")
                            data.Append(d.StartsWith("..") ? d[1..] : d).Append("\r\n");
                        await ReplyAsync(Accept(from, to, data.ToString(), secure));
                        break;
                    case "BDAT":
                        // RFC 3030: BDAT size [LAST], then exactly size octets.
                        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var size = int.Parse(parts[1]);
                        chunks.Write(await wire.ReadBytesAsync(size));
                        if (parts.Length > 2 && parts[2].Equals("LAST", StringComparison.OrdinalIgnoreCase))
                            await ReplyAsync(Accept(from, to, Encoding.UTF8.GetString(chunks.ToArray()), secure));
                        else
                            await ReplyAsync($"250 2.0.0 {size} octets received");
                        break;
                    case "QUIT":
                        await ReplyAsync("221 bye");
                        return;
                    default:
                        await ReplyAsync("250 ok");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { }
    }

    private string Accept(string from, List<string> to, string data, bool secure = false)
    {
        var answer = DataReply(Interlocked.Increment(ref _dataAttempts));
        if (answer.StartsWith('2'))
            lock (Accepted)
            {
                Accepted.Add((from, to, data));
                if (secure)
                    AcceptedOverTls.AddRange(to);
            }
        return answer;
    }

    /// <summary>CRLF lines and counted octets from one stream (BDAT needs both, which a StreamReader cannot mix).</summary>
    private sealed class ByteWire(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync()
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end && !await FillAsync())
                    return null;
                var b = _buffer[_start++];
                if (b == (byte)'\n')
                {
                    var bytes = line.ToArray();
                    return Encoding.UTF8.GetString(bytes, 0, bytes.Length > 0 && bytes[^1] == (byte)'\r' ? bytes.Length - 1 : bytes.Length);
                }
                line.WriteByte(b);
            }
        }

        public async Task<byte[]> ReadBytesAsync(int count)
        {
            var result = new byte[count];
            var got = 0;
            while (got < count)
            {
                if (_start == _end && !await FillAsync())
                    throw new IOException("connection closed inside a chunk");
                var n = Math.Min(count - got, _end - _start);
                Array.Copy(_buffer, _start, result, got, n);
                _start += n;
                got += n;
            }
            return result;
        }

        private async Task<bool> FillAsync()
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer);
            return _end > 0;
        }
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
