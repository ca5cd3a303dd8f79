using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.Testing;

/// <summary>
/// A local relay (smarthost) on 127.0.0.1 that accepts every message and keeps it: where mail leaving through the
/// outbound queue is captured, so tests can read exactly what left (headers, DKIM signatures) and for whom.
/// </summary>
public sealed class SmtpRelaySink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<RelayedMessage> _accepted = [];

    public SmtpRelaySink()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>A reply to RCPT TO instead of 250 (e.g. "550 5.1.1 no such user"); null accepts.</summary>
    public Func<string, string?>? RcptReply { get; set; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<RelayedMessage> Accepted
    {
        get { lock (_accepted) return _accepted.ToList(); }
    }

    /// <summary>Waits (up to <paramref name="seconds"/>) for a message to <paramref name="recipient"/>; null when none came.</summary>
    public async Task<RelayedMessage?> WaitForAsync(string recipient, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (Accepted.FirstOrDefault(m => m.To.Contains(recipient, StringComparer.OrdinalIgnoreCase)) is { } found) return found;
            await Task.Delay(50);
        }
        return null;
    }

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
            var reader = new StreamReader(stream, new UTF8Encoding(false));
            var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 sink.test ESMTP");
            var from = "";
            var to = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                switch (line.Split(' ', 2)[0].ToUpperInvariant())
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8");
                        break;
                    case "MAIL":
                        from = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                        to = [];
                        await writer.WriteLineAsync("250 2.1.0 ok");
                        break;
                    case "RCPT":
                        var rcpt = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                        if (RcptReply?.Invoke(rcpt) is { } refusal)
                        {
                            await writer.WriteLineAsync(refusal);
                            break;
                        }
                        to.Add(rcpt);
                        await writer.WriteLineAsync("250 2.1.5 ok");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 go ahead");
                        var data = new StringBuilder();
                        while (await reader.ReadLineAsync() is { } d && d != ".")
                            data.Append(d.StartsWith("..", StringComparison.Ordinal) ? d[1..] : d).Append("\r\n");
                        lock (_accepted) _accepted.Add(new RelayedMessage(from, to, data.ToString()));
                        await writer.WriteLineAsync("250 2.0.0 accepted");
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

/// <summary>A message as the relay received it: envelope and the exact bytes of DATA (dot-unstuffed).</summary>
public sealed record RelayedMessage(string From, IReadOnlyList<string> To, string Data);
