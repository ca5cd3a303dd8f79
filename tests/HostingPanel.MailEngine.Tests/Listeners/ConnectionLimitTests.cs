using System.Net;
using System.Net.Sockets;
using HostingPanel.MailEngine.Tests.Security;

namespace HostingPanel.MailEngine.Tests.Listeners;

/// <summary>
/// Issue 16 item 2: every mail listener admits a bounded number of connections per client address and
/// in total, refuses the rest with its protocol's line, and drops strangers who stay silent.
/// Clients come from 127.0.0.2, 127.0.0.3, ... (Linux routes all of 127/8 to loopback).
/// </summary>
public sealed class ConnectionLimitTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    private static Task<EngineHost> StartAsync(int perAddress, int total, string preAuthTimeout = "00:00:30") => EngineHost.StartAsync(new()
    {
        ["Mail:Limits:PerAddress"] = perAddress.ToString(),
        ["Mail:Limits:Total"] = total.ToString(),
        ["Mail:Limits:PreAuthTimeout"] = preAuthTimeout,
    });

    public static TheoryData<string, string, string> Protocols => new()
    {
        { "imap", "* OK", "* BYE [UNAVAILABLE] Too many connections from your address" },
        { "pop3", "+OK", "-ERR [SYS/TEMP] Too many connections from your address" },
        { "smtp", "220 ", "421 4.7.0 mail.test Too many connections from your address" },
        { "submission", "220 ", "421 4.7.0 mail.test Too many connections from your address" },
        { "managesieve", "\"IMPLEMENTATION\"", "BYE (TRYLATER) \"Too many connections from your address" },
    };

    private static int PortOf(EngineHost engine, string listener) => listener switch
    {
        "imap" => engine.ImapPort,
        "pop3" => engine.Pop3Port,
        "smtp" => engine.SmtpPort,
        "managesieve" => HostingPanel.MailEngine.Tests.ManageSieve.ManageSieveProtocolTests.Port(engine),
        _ => engine.SubmissionPort,
    };

    [Theory, MemberData(nameof(Protocols))]
    public async Task PastThePerAddressLimit_TheClientIsRefusedWithTheProtocolsLine_AndAdmittedAgainWhenOneCloses(string listener, string greeting, string refusal)
    {
        await using var engine = await StartAsync(perAddress: 3, total: 100);
        var port = PortOf(engine, listener);
        var held = new List<RawLineClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = await RawLineClient.ConnectAsync(port, from: Attacker);
                held.Add(client);
                Assert.StartsWith(greeting, await client.ReadLineAsync());
            }

            await using (var fourth = await RawLineClient.ConnectAsync(port, from: Attacker))
            {
                Assert.StartsWith(refusal, await fourth.ReadLineAsync());
                Assert.True(await fourth.IsClosedAsync());
            }

            // Another address is not affected by the first one's count.
            await using (var other = await RawLineClient.ConnectAsync(port, from: IPAddress.Parse("127.0.0.3")))
                Assert.StartsWith(greeting, await other.ReadLineAsync());

            // Closing one frees its place (the server notices the close asynchronously: poll).
            await held[0].DisposeAsync();
            held.RemoveAt(0);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                await using var again = await RawLineClient.ConnectAsync(port, from: Attacker);
                var line = await again.ReadLineAsync();
                if (line!.StartsWith(greeting, StringComparison.Ordinal))
                    break;
                Assert.True(DateTime.UtcNow < deadline, $"the closed connection's place was not freed: {line}");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
        finally
        {
            foreach (var client in held)
                await client.DisposeAsync();
        }
    }

    [Theory, MemberData(nameof(Protocols))]
    public async Task PastTheTotal_EveryAddressIsRefused(string listener, string greeting, string _)
    {
        await using var engine = await StartAsync(perAddress: 2, total: 3);
        var port = PortOf(engine, listener);
        var held = new List<RawLineClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = await RawLineClient.ConnectAsync(port, from: IPAddress.Parse($"127.0.0.{10 + i}"));
                held.Add(client);
                Assert.StartsWith(greeting, await client.ReadLineAsync());
            }
            await using var late = await RawLineClient.ConnectAsync(port, from: IPAddress.Parse("127.0.0.20"));
            var line = await late.ReadLineAsync();
            Assert.Contains("Too many connections, try again later", line);
            Assert.DoesNotContain("from your address", line);
        }
        finally
        {
            foreach (var client in held)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ImplicitTlsPorts_AreLimitedToo_AndRefusedWithoutAHandshake()
    {
        await using var engine = await StartAsync(perAddress: 1, total: 100);
        foreach (var port in new[] { engine.ImapsPort, engine.Pop3sPort, engine.SubmissionsPort })
        {
            await using var first = await RawLineClient.ConnectAsync(port, implicitTls: true, from: Attacker);
            Assert.NotNull(await first.ReadLineAsync());
            await using var second = await RawLineClient.ConnectAsync(port, from: Attacker);
            Assert.True(await second.IsClosedAsync(), $"port {port}: the second connection was not closed");
        }
    }

    [Fact]
    public async Task Loopback127001_IsExemptFromThePerAddressLimit_ByDefault_ButNotFromTheTotal()
    {
        // The portal's webmail connects from 127.0.0.1 (up to four connections per signed-in user).
        await using var engine = await StartAsync(perAddress: 1, total: 3);
        var held = new List<RawLineClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var client = await RawLineClient.ConnectAsync(engine.ImapPort, from: IPAddress.Loopback);
                held.Add(client);
                Assert.StartsWith("* OK", await client.ReadLineAsync());
            }
            await using var fourth = await RawLineClient.ConnectAsync(engine.ImapPort, from: IPAddress.Loopback);
            Assert.StartsWith("* BYE [UNAVAILABLE] Too many connections, try again later", await fourth.ReadLineAsync());
        }
        finally
        {
            foreach (var client in held)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ExemptNetworks_None_LimitsLoopbackToo()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Limits:PerAddress"] = "1", ["Mail:Limits:ExemptNetworks:0"] = "none" });
        await using var first = await RawLineClient.ConnectAsync(engine.Pop3Port, from: IPAddress.Loopback);
        Assert.StartsWith("+OK", await first.ReadLineAsync());
        await using var second = await RawLineClient.ConnectAsync(engine.Pop3Port, from: IPAddress.Loopback);
        Assert.StartsWith("-ERR [SYS/TEMP]", await second.ReadLineAsync());
    }

    [Fact]
    public async Task OneListenersOwnLimits_OverrideMailLimits()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Limits:PerAddress"] = "1", ["Mail:Pop3:Limits:PerAddress"] = "2" });
        await using var a = await RawLineClient.ConnectAsync(engine.Pop3Port, from: Attacker);
        await using var b = await RawLineClient.ConnectAsync(engine.Pop3Port, from: Attacker);
        Assert.StartsWith("+OK", await a.ReadLineAsync());
        Assert.StartsWith("+OK", await b.ReadLineAsync());
        await using var imapA = await RawLineClient.ConnectAsync(engine.ImapPort, from: Attacker);
        await using var imapB = await RawLineClient.ConnectAsync(engine.ImapPort, from: Attacker);
        Assert.StartsWith("* OK", await imapA.ReadLineAsync());
        Assert.StartsWith("* BYE", await imapB.ReadLineAsync());
    }

    public static TheoryData<string, string> SilentStrangers => new()
    {
        { "imap", "* BYE" },
        { "pop3", "-ERR" },
        { "smtp", "421 4.4.2" },
        { "submission", "421 4.4.2" },
    };

    [Theory, MemberData(nameof(SilentStrangers))]
    public async Task ASilentClient_IsDisconnectedAfterThePreAuthenticationTimeout(string listener, string goodbye)
    {
        await using var engine = await StartAsync(perAddress: 10, total: 10, preAuthTimeout: "00:00:01");
        await using var client = await RawLineClient.ConnectAsync(PortOf(engine, listener), from: Attacker);
        Assert.NotNull(await client.ReadLineAsync()); // greeting
        var started = DateTime.UtcNow;
        var line = await client.ReadLineAsync(timeoutMs: 20_000);
        Assert.StartsWith(goodbye, line);
        Assert.True(await client.IsClosedAsync());
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task AfterLogin_ThePreAuthenticationTimeoutNoLongerApplies()
    {
        await using var engine = await StartAsync(perAddress: 10, total: 10, preAuthTimeout: "00:00:01");
        await engine.CreateMailboxAsync("user@example.com");
        await using var imap = await RawLineClient.ConnectAsync(engine.ImapPort);
        await imap.ReadLineAsync();
        Assert.StartsWith("a OK", (await imap.ImapAsync("a", $"LOGIN user@example.com \"{EngineHost.Password}\"")).Last());
        await using var pop = await RawLineClient.ConnectAsync(engine.Pop3Port);
        await pop.ReadLineAsync();
        await pop.SendAsync("USER user@example.com\r\n");
        Assert.StartsWith("+OK", await pop.ReadLineAsync());
        await pop.SendAsync($"PASS {EngineHost.Password}\r\n");
        Assert.StartsWith("+OK", await pop.ReadLineAsync());
        await using var smtp = await RawLineClient.ConnectAsync(engine.SmtpPort);
        await smtp.ReadSmtpReplyAsync();
        Assert.StartsWith("250", await smtp.SmtpAsync("EHLO client.test"));
        Assert.StartsWith("250", await smtp.SmtpAsync("MAIL FROM:<someone@example.org>"));

        await Task.Delay(2500, TestContext.Current.CancellationToken);
        Assert.StartsWith("b OK", (await imap.ImapAsync("b", "NOOP")).Last());
        await pop.SendAsync("NOOP\r\n");
        Assert.StartsWith("+OK", await pop.ReadLineAsync());
        Assert.StartsWith("250", await smtp.SmtpAsync("RSET"));
    }

    [Fact]
    public async Task ASecondEngine_OnTheSamePorts_FailsToStart_AddressAlreadyInUse()
    {
        await using var first = await StartAsync(perAddress: 10, total: 10);
        foreach (var key in new[] { "Imap", "Pop3", "Smtp", "Submission" })
        {
            var port = key switch { "Imap" => first.ImapPort, "Pop3" => first.Pop3Port, "Smtp" => first.SmtpPort, _ => first.SubmissionPort };
            var settings = new Dictionary<string, string?> { [$"Mail:{key}:Port"] = port.ToString() };
            var e = await Assert.ThrowsAnyAsync<SocketException>(async () => await (await EngineHost.StartAsync(settings)).DisposeAsync());
            Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
        }
    }
}
