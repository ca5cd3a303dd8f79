using System.Net;
using System.Net.Sockets;
using System.Text;
using HostingPanel.MailEngine.Tests.Smtp;
using HostingPanel.Testing;

namespace HostingPanel.MailEngine.Tests.Proxy;

/// <summary>
/// Issue 24 item 3 with a real balancer: Debian's haproxy on loopback with <c>send-proxy</c> (v1) and
/// <c>send-proxy-v2</c> in front of the node, health checks on. Clients come from 127.0.0.2 and
/// 127.0.0.3; the node only ever sees haproxy's 127.0.0.1, which is exempt from the per-address limit,
/// so each refusal here is the original client's address being counted.
/// </summary>
public sealed class HaproxyTests
{
    private static readonly IPAddress ClientA = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress ClientB = IPAddress.Parse("127.0.0.3");

    private static async Task<(EngineHost Engine, HaproxyBalancer Balancer)> StartAsync(int perAddress)
    {
        var engine = await EngineHost.StartAsync(new()
        {
            ["Mail:ProxyProtocol:TrustedNetworks:0"] = "127.0.0.1",
            ["Mail:Limits:PerAddress"] = perAddress.ToString(),
        });
        try
        {
            var balancer = await HaproxyBalancer.StartAsync(
            [
                new("imap", engine.ImapPort, 1, "* OK"),
                new("pop3", engine.Pop3Port, 2, "+OK"),
                new("smtp", engine.SmtpPort, 2, "220 "),
                new("submission", engine.SubmissionPort, 1, "220 "),
            ]);
            return (engine, balancer);
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    private static async Task<(TcpClient Tcp, StreamReader Reader)> ConnectAsync(IPEndPoint frontEnd, IPAddress from)
    {
        var tcp = new TcpClient(new IPEndPoint(from, 0));
        await tcp.ConnectAsync(frontEnd);
        return (tcp, new StreamReader(tcp.GetStream(), Encoding.ASCII));
    }

    private static async Task<string?> FirstLineAsync(StreamReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return await reader.ReadLineAsync(timeout.Token);
    }

    [Theory]
    [InlineData("imap", "* OK", "* BYE [UNAVAILABLE] Too many connections from your address")]                // send-proxy
    [InlineData("pop3", "+OK", "-ERR [SYS/TEMP] Too many connections from your address")]                     // send-proxy-v2
    [InlineData("smtp", "220 ", "421 4.7.0 mail.test Too many connections from your address")]                // send-proxy-v2
    [InlineData("submission", "220 ", "421 4.7.0 mail.test Too many connections from your address")]          // send-proxy
    public async Task ThroughHaproxy_ThePerAddressLimitAppliesToTheOriginalClient(string route, string greeting, string refusal)
    {
        var (engine, balancer) = await StartAsync(perAddress: 2);
        await using var _ = engine;
        await using var __ = balancer;
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var (tcp, reader) = await ConnectAsync(balancer.FrontEnd(route), ClientA);
                held.Add(tcp);
                Assert.StartsWith(greeting, await FirstLineAsync(reader));
            }
            var (third, thirdReader) = await ConnectAsync(balancer.FrontEnd(route), ClientA);
            using (third)
                Assert.StartsWith(refusal, await FirstLineAsync(thirdReader));
            var (other, otherReader) = await ConnectAsync(balancer.FrontEnd(route), ClientB);
            using (other)
                Assert.StartsWith(greeting, await FirstLineAsync(otherReader));
        }
        finally
        {
            foreach (var tcp in held)
                tcp.Dispose();
        }
    }

    [Fact]
    public async Task ThroughHaproxy_TheReceivedFieldNamesTheOriginalClient()
    {
        var (engine, balancer) = await StartAsync(perAddress: 10);
        await using var _ = engine;
        await using var __ = balancer;
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var (tcp, reader) = await ConnectAsync(balancer.FrontEnd("smtp"), ClientA);
        using (tcp)
        {
            var writer = new StreamWriter(tcp.GetStream(), Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            async Task<string> ReplyAsync(string? command)
            {
                if (command is not null)
                    await writer.WriteLineAsync(command);
                string line;
                do
                    line = (await FirstLineAsync(reader))!;
                while (line.Length > 3 && line[3] == '-');
                return line;
            }
            Assert.StartsWith("220 ", await ReplyAsync(null));
            Assert.StartsWith("250", await ReplyAsync("EHLO client.example"));
            Assert.StartsWith("250", await ReplyAsync("MAIL FROM:<alice@example.org>"));
            Assert.StartsWith("250", await ReplyAsync("RCPT TO:<adam@example.com>"));
            Assert.StartsWith("354", await ReplyAsync("DATA"));
            Assert.StartsWith("250", await ReplyAsync("Subject: through haproxy\r\n\r\nHello.\r\n."));
        }
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Received: from client.example ([127.0.0.2])", stored);
    }

    /// <summary>
    /// The documented checks keep a healthy node in service: each check sends its PROXY header and reads the greeting.
    /// With an explicit <c>tcp-check connect</c> rule haproxy 2.6 sent no header, the node waited for one, and every
    /// node was marked down after two checks (about 12 s with these timings), while the first sessions still passed.
    /// </summary>
    [Fact]
    public async Task ThroughHaproxy_TheHealthChecksPassAndKeepTheNodeInService_PastSeveralCheckIntervals()
    {
        var (engine, balancer) = await StartAsync(perAddress: 10);
        await using var _ = engine;
        await using var __ = balancer;
        // Two failing checks (fall 2) at 2 s intervals with a 5 s check timeout take the node out within about 12 s.
        await Task.Delay(TimeSpan.FromSeconds(16));
        Assert.DoesNotContain(" is DOWN", balancer.Log);
        foreach (var (route, greeting) in new[] { ("imap", "* OK"), ("pop3", "+OK"), ("smtp", "220 "), ("submission", "220 ") })
        {
            var (tcp, reader) = await ConnectAsync(balancer.FrontEnd(route), ClientA);
            using (tcp)
                Assert.StartsWith(greeting, await FirstLineAsync(reader) ?? "closed");
        }
    }
}
