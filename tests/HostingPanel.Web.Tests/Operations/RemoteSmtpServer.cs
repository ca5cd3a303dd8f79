using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>
/// The far side of the outbound queue, on 127.0.0.1: accepts every recipient except those <see cref="RcptReply"/>
/// answers for (a 4xx defers, a 5xx refuses), and keeps the envelopes it accepted.
/// </summary>
public sealed class RemoteSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RemoteSmtpServer()
    {
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public Func<string, string?> RcptReply { get; set; } = _ => null;

    /// <summary>Every recipient of every message taken (after the final 250), with the message's Subject.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string Recipient, string Subject)> Received { get; } = new();

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
            await writer.WriteLineAsync("220 remote.test ESMTP");
            var accepted = new List<string>();
            while (await reader.ReadLineAsync() is { } line)
            {
                switch (line.Split(' ', 2)[0].ToUpperInvariant())
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-remote.test\r\n250 8BITMIME");
                        break;
                    case "MAIL":
                        accepted.Clear();
                        await writer.WriteLineAsync("250 2.1.0 ok");
                        break;
                    case "RCPT":
                        var rcpt = line[(line.IndexOf('<') + 1)..line.IndexOf('>')];
                        var reply = RcptReply(rcpt);
                        if (reply is null) accepted.Add(rcpt);
                        await writer.WriteLineAsync(reply ?? "250 2.1.5 ok");
                        break;
                    case "DATA":
                        if (accepted.Count == 0) { await writer.WriteLineAsync("554 5.5.1 no valid recipients"); break; }
                        await writer.WriteLineAsync("354 go ahead");
                        var subject = "";
                        while (await reader.ReadLineAsync() is { } d && d != ".")
                            if (subject.Length == 0 && d.StartsWith("Subject: ", StringComparison.OrdinalIgnoreCase)) subject = d["Subject: ".Length..];
                        foreach (var r in accepted) Received.Enqueue((r, subject));
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
