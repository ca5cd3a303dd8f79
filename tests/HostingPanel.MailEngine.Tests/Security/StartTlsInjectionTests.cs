using System.Text;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// CVE-2011-0411 class: commands pipelined in plaintext behind STARTTLS/STLS must be thrown away,
/// never run once TLS is up; and nothing lets a client skip TLS (no PREAUTH, no login in the clear
/// when the server demands TLS).
/// </summary>
public sealed class StartTlsInjectionTests
{
    private static readonly Dictionary<string, string?> TlsRequired = new() { ["Mail:AllowPlaintextAuth"] = "false" };

    [Fact]
    public async Task Imap_CommandsPipelinedAfterStartTls_AreDiscarded()
    {
        await using var engine = await EngineHost.StartAsync(TlsRequired);
        var account = await engine.CreateMailboxAsync("tls@example.com");
        await using var c = await RawLineClient.ConnectAsync(engine.ImapPort);
        var greeting = await c.ReadLineAsync();
        Assert.StartsWith("* OK", greeting);
        Assert.Contains("LOGINDISABLED", greeting);

        await c.SendAsync($"a1 STARTTLS\r\na2 LOGIN tls@example.com \"{EngineHost.Password}\"\r\na3 CREATE Injected\r\n");
        Assert.StartsWith("a1 OK", (await c.ReadUntilTaggedAsync("a1")).Last());
        await c.StartTlsAsync();

        // Had a2 run inside TLS, its answer would come first and b1 would find an authenticated session.
        var noop = await c.ImapAsync("b1", "NOOP");
        Assert.DoesNotContain(noop, l => l.StartsWith("a2") || l.StartsWith("a3"));
        Assert.StartsWith("b1 OK", noop.Last());
        Assert.StartsWith("b2 BAD", (await c.ImapAsync("b2", "SELECT INBOX")).Last());
        Assert.DoesNotContain(await engine.Store.ListFoldersAsync(account.Id), f => f.Name == "Injected");

        // Inside TLS the real login works: the discarded bytes did not desynchronise the session.
        Assert.StartsWith("b3 OK", (await c.ImapAsync("b3", $"LOGIN tls@example.com \"{EngineHost.Password}\"")).Last());
    }

    [Fact]
    public async Task Imap_NoPath_SkipsTls_WhenPlaintextLoginIsOff()
    {
        await using var engine = await EngineHost.StartAsync(TlsRequired);
        await engine.CreateMailboxAsync("tls@example.com");
        foreach (var implicitTls in new[] { false, true })
        {
            await using var c = await RawLineClient.ConnectAsync(implicitTls ? engine.ImapsPort : engine.ImapPort, implicitTls);
            var greeting = await c.ReadLineAsync();
            // A PREAUTH greeting would put the client in the authenticated state with no STARTTLS possible.
            Assert.StartsWith("* OK", greeting);
            Assert.DoesNotContain("PREAUTH", greeting);
            if (implicitTls)
                continue;
            Assert.Matches("^p1 (NO|BAD)", (await c.ImapAsync("p1", $"LOGIN tls@example.com \"{EngineHost.Password}\"")).Last());
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0tls@example.com\0{EngineHost.Password}"));
            Assert.Matches("^p2 (NO|BAD)", (await c.ImapAsync("p2", "AUTHENTICATE PLAIN " + plain)).Last());
            Assert.StartsWith("p3 BAD", (await c.ImapAsync("p3", "SELECT INBOX")).Last());
        }
    }

    [Fact]
    public async Task Pop3_CommandsPipelinedAfterStls_AreDiscarded()
    {
        await using var engine = await EngineHost.StartAsync(TlsRequired);
        await engine.CreateMailboxAsync("tls@example.com");
        await engine.DeliverAsync((await engine.Directory.FindMailboxAsync("tls@example.com"))!, EngineHost.Message("one"));
        await using var c = await RawLineClient.ConnectAsync(engine.Pop3Port);
        Assert.StartsWith("+OK", await c.ReadLineAsync());
        Assert.StartsWith("-ERR", await SendPop3Async(c, "USER tls@example.com"));

        await c.SendAsync($"STLS\r\nUSER tls@example.com\r\nPASS {EngineHost.Password}\r\n");
        Assert.StartsWith("+OK", await c.ReadLineAsync());
        await c.StartTlsAsync();

        // Had USER/PASS run inside TLS, STAT would succeed now.
        Assert.StartsWith("-ERR", await SendPop3Async(c, "STAT"));
        Assert.StartsWith("+OK", await SendPop3Async(c, "USER tls@example.com"));
        Assert.StartsWith("+OK", await SendPop3Async(c, "PASS " + EngineHost.Password));
        Assert.StartsWith("+OK 1 ", await SendPop3Async(c, "STAT"));
    }

    [Theory]
    [InlineData("smtp")]
    [InlineData("submission")]
    public async Task Smtp_CommandsPipelinedAfterStartTls_AreDiscarded(string listener)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var port = listener == "smtp" ? engine.SmtpPort : engine.SubmissionPort;
        await using var c = await RawLineClient.ConnectAsync(port);
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0adam@example.com\0{EngineHost.Password}"));
        // A whole transaction injected in the clear: on submission it even carries the credentials.
        await c.SendAsync($"STARTTLS\r\nAUTH PLAIN {auth}\r\nMAIL FROM:<adam@example.com>\r\nRCPT TO:<adam@example.com>\r\nDATA\r\nSubject: injected\r\n\r\nx\r\n.\r\n");
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        await c.StartTlsAsync();

        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
        // Had MAIL FROM run, RCPT would be accepted now; had AUTH run, MAIL FROM would be a nested transaction.
        var rcpt = await c.SmtpAsync("RCPT TO:<adam@example.com>");
        Assert.True(rcpt!.StartsWith("50") || rcpt.StartsWith("530"), rcpt);
        await Task.Delay(300);
        Assert.Empty(await Smtp.SmtpTestKit.InboxAsync(engine, adam));
    }

    private static async Task<string?> SendPop3Async(RawLineClient c, string line)
    {
        await c.SendAsync(line + "\r\n");
        return await c.ReadLineAsync();
    }
}
