using System.Net;
using System.Net.Sockets;
using System.Text;
using HostingPanel.Application.Aliases;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Security;

/// <summary>
/// A relay (a real socket) that refuses every recipient for now with a reply text made to break HTML, so the queue
/// keeps the message with that text as its last error: the one string on the queue page that a remote server chose.
/// </summary>
public sealed class HostileRelayHostFixture : MailHostFixture
{
    public const string Reply = "451 4.3.0 <script>window.__xss=1</script>\"><img src=x onerror=alert(1)> try later";

    private readonly TcpListener _relay = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public HostileRelayHostFixture()
    {
        _relay.Start();
        _ = ServeAsync();
    }

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Concat(
    [
        new("Mail:Relay:Host", "127.0.0.1"),
        new("Mail:Relay:Port", ((IPEndPoint)_relay.LocalEndpoint).Port.ToString()),
        new("Mail:Relay:Security", "None"),
        new("Mail:Queue:RetryDelay", "01:00:00"),
    ]);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _relay.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    using var reader = new StreamReader(stream, Encoding.ASCII);
                    async Task Say(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
                    await Say("220 relay.test ESMTP");
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                        if (verb == "QUIT") { await Say("221 bye"); return; }
                        await Say(verb switch
                        {
                            "EHLO" or "HELO" => "250 relay.test",
                            "MAIL" or "RSET" or "NOOP" => "250 2.0.0 ok",
                            "RCPT" => Reply,
                            _ => "503 5.5.1 no",
                        });
                    }
                }
            });
        }
    }

    public new async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _relay.Stop();
        await base.DisposeAsync();
    }
}

public sealed class QueueEncodingTests(HostileRelayHostFixture host) : IClassFixture<HostileRelayHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RelayErrorText_OnTheQueuePage_IsEncoded()
    {
        await RelayedMail.SendThroughExternalAliasAsync(host, "hostile-queue.example", "<script>alert('subject')</script>", Ct);
        // The first attempt meets the relay's refusal and leaves its text on the entry.
        var queue = host.App.Services.GetRequiredService<IOutboundQueueAdmin>();
        QueuedMessage? entry = null;
        for (var i = 0; i < 200 && entry?.LastError is null; i++)
        {
            entry = (await queue.ListAsync(Ct)).FirstOrDefault(e => e.Recipients.Any(r => r.Address == "far-away@elsewhere.example"));
            if (entry?.LastError is null) await Task.Delay(100, Ct);
        }
        Assert.NotNull(entry?.LastError);
        Assert.Contains("<script>", entry.LastError);

        using var admin = await PortalSession.AdminAsync(host);
        var page = await admin.GetStringAsync("/queue");
        Assert.Contains("far-away@elsewhere.example", page);
        Assert.DoesNotContain("<script>window.__xss", page);
        Assert.DoesNotContain("<img src=x", page);
        Assert.Contains("&lt;script&gt;window.__xss=1&lt;/script&gt;", page);
    }
}
