using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Reliability;
using HostingPanel.MailEngine.Tests.Smtp;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// Clients that deliver (SMTP) and APPEND (IMAP) through the balancer without pause, in short sessions of a few
/// messages as real clients open them, reconnecting whenever a session breaks (a killed node, a restarting database).
/// A message counts as acknowledged only when its 250 or OK was read; each carries its id and its body's hash
/// (<see cref="CrashOverTheWireTests.Message"/>).
/// </summary>
internal sealed class LabLoad
{
    public const string Address = "crash@example.com";
    private const int MessagesPerSession = 5;

    private readonly ConcurrentDictionary<long, string> _acknowledged = new();
    private readonly ConcurrentDictionary<string, int> _sessionsByNode = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];
    private readonly ConcurrentQueue<string> _breaks = new();
    private long _nextId;

    public int Acknowledged => _acknowledged.Count;
    public HashSet<long> AcknowledgedIds => [.. _acknowledged.Keys];
    public int SmtpAcknowledged => _acknowledged.Values.Count(v => v == "smtp");
    public int ImapAcknowledged => _acknowledged.Values.Count(v => v == "imap");

    /// <summary>Why the last sessions ended early, for a failure's message.</summary>
    public string RecentBreaks => string.Join(" | ", _breaks.TakeLast(8));

    /// <summary>Sessions opened so far per node, told by the node's greeting.</summary>
    public int SessionsOn(string hostname) => _sessionsByNode.GetValueOrDefault(hostname);

    public static LabLoad Start(IPEndPoint smtp, IPEndPoint imap, int clientsPerProtocol)
    {
        var load = new LabLoad();
        for (var i = 0; i < clientsPerProtocol; i++)
        {
            load._clients.Add(Task.Run(() => load.KeepGoingAsync(() => load.SmtpSessionAsync(smtp))));
            load._clients.Add(Task.Run(() => load.KeepGoingAsync(() => load.ImapSessionAsync(imap))));
        }
        return load;
    }

    /// <summary>Waits until <paramref name="more"/> further messages are acknowledged; fails after <paramref name="within"/>.</summary>
    public async Task WaitForMoreAsync(int more, TimeSpan within, string failure)
    {
        var target = Acknowledged + more;
        var deadline = DateTime.UtcNow + within;
        while (Acknowledged < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{failure} ({Acknowledged} acknowledged, waited for {target}); sessions ended by: {RecentBreaks}");
            Assert.DoesNotContain(_clients, c => c.IsFaulted);
            await Task.Delay(100);
        }
    }

    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_clients).WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task KeepGoingAsync(Func<Task> session)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await session();
            }
            catch (Exception e)
            {
                // Any failure of a session (sockets, TLS, a protocol reply, a timeout) is what a real client meets
                // when its server dies; it is written down and the client goes on.
                // The session broke (its node died, or the balancer had no node for it yet): a client reconnects.
                Broke(e.GetType().Name + ": " + e.Message);
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Why sessions ended early (the last few are in a failure's message).</summary>
    private void Broke(string why)
    {
        _breaks.Enqueue(why);
        while (_breaks.Count > 32)
            _breaks.TryDequeue(out _);
    }

    private void Opened(string greeting)
    {
        var host = greeting.Split(' ').FirstOrDefault(w => w.EndsWith(".lab.test", StringComparison.Ordinal));
        if (host is not null)
            _sessionsByNode.AddOrUpdate(host, 1, (_, n) => n + 1);
    }

    private async Task SmtpSessionAsync(IPEndPoint server)
    {
        await using var c = await RawSmtpClient.ConnectAsync(server);
        if (await c.ReadReplyAsync() is not { } greeting || !greeting.StartsWith("220", StringComparison.Ordinal))
        {
            Broke("smtp greeting");
            return;
        }
        Opened(greeting);
        if (await c.CommandAsync("EHLO lab.client") is not { } ehlo || !ehlo.StartsWith("250", StringComparison.Ordinal))
        {
            Broke("EHLO");
            return;
        }
        for (var n = 0; n < MessagesPerSession && !_stop.IsCancellationRequested; n++)
        {
            var id = Interlocked.Increment(ref _nextId);
            foreach (var (command, expected) in new[] { ("MAIL FROM:<harness@example.org>", "250"), ($"RCPT TO:<{Address}>", "250"), ("DATA", "354") })
            {
                var answer = await c.CommandAsync(command);
                if (answer is null || !answer.StartsWith(expected, StringComparison.Ordinal))
                {
                    Broke($"{command}: {answer ?? "closed"}");
                    return;
                }
            }
            await c.WriteAsync(CrashOverTheWireTests.Message(id, Address) + ".\r\n");
            var reply = await c.ReadReplyAsync(30_000);
            if (reply is null || !reply.StartsWith("250 ", StringComparison.Ordinal))
            {
                Broke("end of DATA: " + (reply ?? "closed"));
                return;
            }
            _acknowledged[id] = "smtp";
        }
        await c.CommandAsync("QUIT");
    }

    /// <summary>
    /// IMAP as a mail program speaks it: STARTTLS first (a node takes plaintext logins only from loopback, and through
    /// the balancer the client is a real remote address), then LOGIN and APPENDs (MailKit).
    /// </summary>
    private async Task ImapSessionAsync(IPEndPoint server)
    {
        using var client = new MailKit.Net.Imap.ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync(server.Address.ToString(), server.Port, MailKit.Security.SecureSocketOptions.StartTls, _stop.Token);
        await client.AuthenticateAsync(Address, "x", _stop.Token);
        for (var n = 0; n < MessagesPerSession && !_stop.IsCancellationRequested; n++)
        {
            var id = Interlocked.Increment(ref _nextId);
            using var message = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(CrashOverTheWireTests.Message(id, Address))));
            // AppendAsync returns when the tagged OK was read: then the message is acknowledged.
            await client.Inbox.AppendAsync(new MailKit.AppendRequest(message, MailKit.MessageFlags.None), _stop.Token);
            _acknowledged[id] = "imap";
        }
        await client.DisconnectAsync(quit: true, CancellationToken.None);
    }
}
