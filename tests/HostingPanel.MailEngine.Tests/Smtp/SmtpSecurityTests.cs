using System.Text;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>Bad and hostile input on raw sockets: smuggling, STARTTLS injection, oversized data, garbage.</summary>
public sealed class SmtpSecurityTests
{
    private static async Task<RawSmtpClient> OpenTransactionAsync(EngineHost engine, string rcpt = "adam@example.com")
    {
        var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        Assert.StartsWith("250", await c.CommandAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250", await c.CommandAsync($"RCPT TO:<{rcpt}>"));
        Assert.StartsWith("354", await c.CommandAsync("DATA"));
        return c;
    }

    [Theory]
    [InlineData("\n.\r\n")]   // the CVE-2023-51764 payload: bare LF before the dot
    [InlineData("\r\n.\n")]   // bare LF after the dot
    [InlineData("\n.\n")]
    [InlineData("\r.\r\n")]   // bare CR
    public async Task Smuggling_OnlyCrLfDotCrLfEndsData_AndBareLineEndsAreNormalised(string fakeEnd)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        await using var c = await OpenTransactionAsync(engine);
        var payload = "Subject: first\r\n\r\nhello" + fakeEnd +
                      "MAIL FROM:<spoof@example.com>\r\nRCPT TO:<betty@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n";
        await c.WriteAsync(payload);
        // Everything up to the real CRLF.CRLF is one message: one reply, an acceptance of the normalised message.
        Assert.StartsWith("250 2.0.0", await c.ReadReplyAsync());
        Assert.Equal("250 2.0.0 Ok", await c.CommandAsync("NOOP"));
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Subject: smuggled", stored);
        SmtpBareLineEndTests.AssertNoBareLineEnds(stored);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, betty));
    }

    [Fact]
    public async Task StartTls_PlaintextPipelinedAfterIt_IsDiscarded()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        // CVE-2011-0411: the injected MAIL FROM must not be executed inside the TLS session.
        await c.WriteAsync("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
        Assert.StartsWith("220", await c.ReadReplyAsync());
        await c.StartTlsAsync();
        Assert.StartsWith("250", await c.CommandAsync("EHLO client.example"));
        // Had the MAIL FROM been run, a second one would be a bad sequence, and RCPT would work at once.
        var rcpt = await c.CommandAsync("RCPT TO:<adam@example.com>");
        Assert.True(rcpt!.StartsWith("50"), rcpt);
        Assert.StartsWith("250", await c.CommandAsync("MAIL FROM:<alice@example.org>"));
    }

    [Fact]
    public async Task OversizedData_IsCutOffWhileReading_AndSizeParameterRefusedUpFront()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:SmtpLimits:MaxMessageSize"] = "20000" });
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using (var sized = await RawSmtpClient.ConnectAsync(engine.SmtpPort))
        {
            await sized.ReadReplyAsync();
            await sized.CommandAsync("EHLO client.example");
            Assert.StartsWith("552", await sized.CommandAsync("MAIL FROM:<alice@example.org> SIZE=5000000"));
        }
        await using var c = await OpenTransactionAsync(engine);
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(new string('z', 998) + "\r\n", 64)));
        try
        {
            // Never send the end of data: the server must answer and hang up on its own.
            for (var i = 0; i < 100; i++)
                await c.WriteAsync(chunk);
        }
        catch (IOException)
        {
        }
        string? reply = null;
        try { reply = await c.ReadReplyAsync(); } catch (IOException) { }
        if (reply is not null)
            Assert.StartsWith("552", reply);
        Assert.True(await c.IsClosedAsync());
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, adam));
    }

    [Fact]
    public async Task Garbage_Answers5xxWithReason_AndTooManyErrorsEndTheSession()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:SmtpLimits:MaxErrors"] = "3" });
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        Assert.Matches(@"^50\d 5\.5\.\d .+", await c.CommandAsync("HELLO?"));
        Assert.StartsWith("250", await c.CommandAsync("EHLO client.example"));
        Assert.Matches(@"^5\d\d 5\.\d\.\d .+", await c.CommandAsync("MAIL FROM:<a b@@example.org>"));
        Assert.Matches(@"^5\d\d 5\.\d\.\d .+", await c.CommandAsync("\u00ff\u00fe"));
        Assert.Matches(@"^5\d\d 5\.\d\.\d .+", await c.CommandAsync("MAIL FROM:<a@@example.org>"));
        Assert.True(await c.IsClosedAsync());
        // A NUL in a command line ends the session at once (Security/ControlCharacterInjectionTests).
        await using var nul = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await nul.ReadReplyAsync();
        Assert.StartsWith("500 5.5.2", await nul.CommandAsync("MAIL FROM:<evil\0@example.org>"));
        Assert.True(await nul.IsClosedAsync());
        // The server lives on.
        await using var next = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        Assert.StartsWith("220", await next.ReadReplyAsync());
    }

    [Fact]
    public async Task CrLfInHelo_NeverReachesTheStoredHeaders()
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using (var evil = await RawSmtpClient.ConnectAsync(engine.SmtpPort))
        {
            await evil.ReadReplyAsync();
            // A bare LF inside a command line: refused and the session ends, never a header line of its own.
            Assert.StartsWith("500 5.5.2", await evil.CommandAsync("EHLO evil.example\nX-Injected: yes"));
            Assert.True(await evil.IsClosedAsync());
        }
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        Assert.StartsWith("250", await c.CommandAsync("EHLO evil.example"));
        await c.CommandAsync("MAIL FROM:<alice@example.org>");
        await c.CommandAsync("RCPT TO:<adam@example.com>");
        await c.CommandAsync("DATA");
        Assert.StartsWith("250", await c.CommandAsync("Subject: x\r\n\r\nhi\r\n."));
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.DoesNotContain("\nX-Injected", stored);
    }

    [Fact]
    public async Task OverlongCommandLine_500_5_5_6_AndTheSessionEnds()
    {
        await using var engine = await EngineHost.StartAsync();
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        try
        {
            await c.WriteAsync("EHLO " + new string('a', 100_000));
        }
        catch (IOException)
        {
        }
        string? reply = null;
        try { reply = await c.ReadReplyAsync(); } catch (IOException) { }
        Assert.StartsWith("500 5.5.6", reply);
        Assert.True(await c.IsClosedAsync());
    }

    [Fact]
    public async Task MailLoop_TooManyReceivedHeaders_IsRefused()
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await OpenTransactionAsync(engine);
        var hops = string.Concat(Enumerable.Range(0, 60).Select(i => $"Received: from hop{i}.example by hop{i + 1}.example; Fri, 27 Nov 2026 05:00:00 +0000\r\n"));
        Assert.StartsWith("554 5.4.6", await c.CommandAsync(hops + "Subject: loop\r\n\r\nhi\r\n."));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, adam));
    }
}
