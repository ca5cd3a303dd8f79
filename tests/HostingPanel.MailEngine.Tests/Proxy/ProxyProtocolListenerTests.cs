using System.Buffers.Binary;
using System.Net;
using System.Text;
using HostingPanel.MailEngine.Tests.Security;
using HostingPanel.MailEngine.Tests.Smtp;

namespace HostingPanel.MailEngine.Tests.Proxy;

/// <summary>
/// Issue 24 item 3: every mail listener takes the PROXY protocol (v1 and v2) from the balancers in
/// <c>Mail:ProxyProtocol:TrustedNetworks</c>, and then the client the header names is the client for
/// everything; from anyone else a header is not believed. Raw sockets: the "balancer" is a test client
/// on 127.0.0.1 (trusted here), the strangers come from 127.0.0.2.
/// </summary>
public sealed class ProxyProtocolListenerTests
{
    private static readonly IPAddress Balancer = IPAddress.Loopback;
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.2");

    private static Task<EngineHost> StartAsync(int perAddress = 50, string preAuthTimeout = "00:00:30") => EngineHost.StartAsync(new()
    {
        ["Mail:ProxyProtocol:TrustedNetworks:0"] = "127.0.0.1",
        ["Mail:Limits:PerAddress"] = perAddress.ToString(),
        ["Mail:Limits:PreAuthTimeout"] = preAuthTimeout,
    });

    public static TheoryData<string, string, string, int> ProtocolsAndVersions()
    {
        var data = new TheoryData<string, string, string, int>();
        foreach (var version in new[] { 1, 2 })
        {
            data.Add("imap", "* OK", "* BYE [UNAVAILABLE] Too many connections from your address", version);
            data.Add("pop3", "+OK", "-ERR [SYS/TEMP] Too many connections from your address", version);
            data.Add("smtp", "220 ", "421 4.7.0 mail.test Too many connections from your address", version);
            data.Add("submission", "220 ", "421 4.7.0 mail.test Too many connections from your address", version);
            data.Add("managesieve", "\"IMPLEMENTATION\"", "BYE (TRYLATER) \"Too many connections from your address", version);
        }
        return data;
    }

    internal static int PortOf(EngineHost engine, string listener) => listener switch
    {
        "imap" => engine.ImapPort,
        "imaps" => engine.ImapsPort,
        "pop3" => engine.Pop3Port,
        "smtp" => engine.SmtpPort,
        "managesieve" => ManageSieve.ManageSieveProtocolTests.Port(engine),
        _ => engine.SubmissionPort,
    };

    /// <summary>Section 2.1's text header for a TCP4 client.</summary>
    internal static byte[] V1(string client, int clientPort = 40000) =>
        Encoding.ASCII.GetBytes($"PROXY TCP4 {client} 127.0.0.1 {clientPort} 143\r\n");

    /// <summary>Section 2.2's binary header: PROXY command, TCP over IPv4.</summary>
    internal static byte[] V2(string client, int clientPort = 40000)
    {
        var header = new byte[28];
        new byte[] { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A }.CopyTo(header, 0);
        header[12] = 0x21;
        header[13] = 0x11;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), 12);
        IPAddress.Parse(client).GetAddressBytes().CopyTo(header, 16);
        IPAddress.Loopback.GetAddressBytes().CopyTo(header, 20);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(24), (ushort)clientPort);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(26), 143);
        return header;
    }

    private static async Task<RawLineClient> ViaBalancerAsync(int port, int version, string client)
    {
        var connection = await RawLineClient.ConnectAsync(port, from: Balancer);
        await connection.SendAsync(version == 1 ? V1(client) : V2(client));
        return connection;
    }

    [Theory, MemberData(nameof(ProtocolsAndVersions))]
    public async Task FromATrustedBalancer_ThePerAddressLimitCountsTheClientTheHeaderNames(string listener, string greeting, string refusal, int version)
    {
        // The balancer itself (127.0.0.1) is exempt from the per-address limit by default: a refusal can
        // only come from counting the address inside the header.
        await using var engine = await StartAsync(perAddress: 2);
        var port = PortOf(engine, listener);
        var held = new List<RawLineClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var client = await ViaBalancerAsync(port, version, "203.0.113.7");
                held.Add(client);
                Assert.StartsWith(greeting, await client.ReadLineAsync());
            }
            await using (var third = await ViaBalancerAsync(port, version, "203.0.113.7"))
            {
                Assert.StartsWith(refusal, await third.ReadLineAsync());
                Assert.True(await third.IsClosedAsync());
            }
            await using var other = await ViaBalancerAsync(port, version, "203.0.113.8");
            Assert.StartsWith(greeting, await other.ReadLineAsync());
        }
        finally
        {
            foreach (var client in held)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task FromAStranger_AProxyHeaderIsNotBelieved_ItIsABadCommand_AndTheStrangersOwnAddressIsCounted()
    {
        await using var engine = await StartAsync(perAddress: 1);
        await using (var imap = await RawLineClient.ConnectAsync(engine.ImapPort, from: Stranger))
        {
            Assert.StartsWith("* OK", await imap.ReadLineAsync());
            await imap.SendAsync(V1("203.0.113.7"));
            Assert.StartsWith("PROXY BAD", await imap.ReadLineAsync());
            // The limit is the stranger's: a second connection claiming another client is refused.
            await using var second = await RawLineClient.ConnectAsync(engine.ImapPort, from: Stranger);
            await second.SendAsync(V1("203.0.113.8"));
            Assert.StartsWith("* BYE [UNAVAILABLE] Too many connections from your address", await second.ReadLineAsync());
        }
        await using var smtp = await RawLineClient.ConnectAsync(engine.SmtpPort, from: Stranger);
        Assert.StartsWith("220 ", await smtp.ReadSmtpReplyAsync());
        // The SMTP package would take a PROXY line from anyone; ours refuses it and ends the session.
        Assert.StartsWith("501 5.5.1 PROXY is accepted only from the configured balancers", await smtp.SmtpAsync("PROXY TCP4 203.0.113.7 127.0.0.1 40000 25"));
        Assert.True(await smtp.IsClosedAsync());
    }

    [Theory]
    [InlineData("a001 CAPABILITY\r\n")]                                      // a client straight to the node: no header
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 40000\r\n")]               // a field missing
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 40000 143\n")]             // no CR
    public async Task FromATrustedBalancer_AMissingOrMalformedHeader_ClosesWithoutAGreeting(string bytes)
    {
        await using var engine = await StartAsync();
        await using var client = await RawLineClient.ConnectAsync(engine.ImapPort, from: Balancer);
        await client.SendAsync(bytes);
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task FromATrustedBalancer_AnEndlessV1Line_IsCutOffAtItsBound()
    {
        await using var engine = await StartAsync();
        await using var client = await RawLineClient.ConnectAsync(engine.ImapPort, from: Balancer);
        await client.SendAsync("PROXY UNKNOWN " + new string('x', 4096));
        Assert.Null(await client.ReadLineAsync());
    }

    [Fact]
    public async Task FromATrustedBalancer_SilencePastThePreAuthTimeout_Closes()
    {
        await using var engine = await StartAsync(preAuthTimeout: "00:00:01");
        await using var client = await RawLineClient.ConnectAsync(engine.ImapPort, from: Balancer);
        Assert.True(await client.IsClosedAsync(timeoutMs: 20_000));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task AHeaderInPieces_FollowedByClientBytesInTheSameSegment_IsTakenExactly(int version)
    {
        await using var engine = await StartAsync();
        await using var client = await RawLineClient.ConnectAsync(engine.Pop3Port, from: Balancer);
        var header = version == 1 ? V1("203.0.113.7") : V2("203.0.113.7");
        await client.SendAsync(header[..5]);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        await client.SendAsync(header[5..^1]);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        // The last byte of the header and the client's first command together: not a byte of it may be lost.
        await client.SendAsync([header[^1], .. "CAPA\r\n"u8.ToArray()]);
        Assert.StartsWith("+OK", await client.ReadLineAsync());
        Assert.StartsWith("+OK", await client.ReadLineAsync());
    }

    [Fact]
    public async Task ABalancersOwnConnection_LocalOrUnknown_IsServedAsTheBalancer()
    {
        await using var engine = await StartAsync(perAddress: 1);
        byte[] local = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00];
        await using var health = await RawLineClient.ConnectAsync(engine.ImapPort, from: Balancer);
        await health.SendAsync(local);
        Assert.StartsWith("* OK", await health.ReadLineAsync());
        // 127.0.0.1 is exempt from the per-address limit: a second health check is served too.
        await using var unknown = await RawLineClient.ConnectAsync(engine.ImapPort, from: Balancer);
        await unknown.SendAsync("PROXY UNKNOWN\r\n");
        Assert.StartsWith("* OK", await unknown.ReadLineAsync());
    }

    [Fact]
    public async Task TheProxiedClient_IsTheClientForEverything_NoLoopbackPlaintextLogin_AndTheReceivedField()
    {
        // The engine allows plaintext login from loopback; the balancer is on loopback, its client is not.
        await using var engine = await StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using (var imap = await ViaBalancerAsync(engine.ImapPort, 2, "203.0.113.7"))
        {
            Assert.StartsWith("* OK", await imap.ReadLineAsync());
            var capability = await imap.ImapAsync("a1", "CAPABILITY");
            Assert.Contains("LOGINDISABLED", capability[0]);
            Assert.StartsWith("a2 NO", (await imap.ImapAsync("a2", $"LOGIN adam@example.com \"{EngineHost.Password}\""))[^1]);
        }
        // A client the header says is on loopback is treated as on loopback (and so allowed here).
        await using (var local = await ViaBalancerAsync(engine.ImapPort, 1, "127.0.0.1"))
        {
            Assert.StartsWith("* OK", await local.ReadLineAsync());
            Assert.StartsWith("a2 OK", (await local.ImapAsync("a2", $"LOGIN adam@example.com \"{EngineHost.Password}\""))[^1]);
        }

        await using (var smtp = await ViaBalancerAsync(engine.SmtpPort, 1, "198.51.100.9"))
        {
            Assert.StartsWith("220 ", await smtp.ReadSmtpReplyAsync());
            Assert.StartsWith("250", await smtp.SmtpAsync("EHLO client.example"));
            Assert.StartsWith("250", await smtp.SmtpAsync("MAIL FROM:<alice@example.org>"));
            Assert.StartsWith("250", await smtp.SmtpAsync("RCPT TO:<adam@example.com>"));
            Assert.StartsWith("354", await smtp.SmtpAsync("DATA"));
            Assert.StartsWith("250", await smtp.SmtpAsync("From: alice@example.org\r\nSubject: via the balancer\r\n\r\nHello.\r\n."));
        }
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Received: from client.example ([198.51.100.9])", stored);
    }
}
