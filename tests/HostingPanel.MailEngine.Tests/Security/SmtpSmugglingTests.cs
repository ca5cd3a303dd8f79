using System.Text;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// CVE-2023-51764 class: only CRLF.CRLF ends DATA. A message carrying bare LF or CR around a dot
/// is one message (accepted, its bare line ends made CRLF, as Postfix's "normalize" does) and never
/// splits into a second, smuggled one, on the inbound and the submission listener alike, and whatever
/// the TCP segments look like.
/// </summary>
public sealed class SmtpSmugglingTests
{
    private const string Smuggled = "MAIL FROM:<spoof@example.com>\r\nRCPT TO:<betty@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n";

    [Theory]
    [InlineData("smtp", "\n.\r\n")]
    [InlineData("smtp", "\r\n.\n")]
    [InlineData("smtp", "\n.\n")]
    [InlineData("smtp", "\r\n.\r")]
    [InlineData("smtp", "\r\n\x00.\r\n")]
    [InlineData("submission", "\n.\r\n")]
    [InlineData("submission", "\r\n.\n")]
    [InlineData("submission", "\r.\r\n")]
    [InlineData("submission", "\n.\n")]
    [InlineData("smtp", "\r.\r")]
    public async Task FakeEndOfData_NeverSplitsOneMessageIntoTwo(string listener, string fakeEnd)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        var payload = "From: adam@example.com\r\nSubject: first\r\n\r\nhello" + fakeEnd + Smuggled + ".\r\n";

        // Whole, and cut into single bytes around the fake end (parsers that look at one segment at a time miss it).
        foreach (var split in new[] { false, true })
        {
            await using var c = await OpenDataAsync(engine, listener);
            if (split)
            {
                var bytes = Encoding.ASCII.GetBytes(payload);
                var at = "From: adam@example.com\r\nSubject: first\r\n\r\nhello".Length;
                await c.SendAsync(bytes[..at]);
                for (var i = at; i < at + fakeEnd.Length + 1; i++)
                {
                    await c.SendAsync(bytes[i..(i + 1)]);
                    await Task.Delay(20);
                }
                await c.SendAsync(bytes[(at + fakeEnd.Length + 1)..]);
            }
            else
            {
                await c.SendAsync(payload);
            }

            var reply = await c.ReadSmtpReplyAsync();
            // One reply for the whole thing: the message is accepted (normalised); the smuggled MAIL
            // FROM never gets its own 250, and the NOOP's reply is the next one.
            Assert.NotNull(reply);
            Assert.StartsWith("250 2.0.0", reply);
            Assert.Equal("250 2.0.0 Ok", await c.SmtpAsync("NOOP"));
        }

        await Task.Delay(200);
        Assert.Empty(await Smtp.SmtpTestKit.InboxAsync(engine, betty));
        var stored = await Smtp.SmtpTestKit.InboxAsync(engine, adam);
        Assert.Equal(2, stored.Count);
        foreach (var text in stored)
        {
            // The would-be second transaction is text inside the first message, on lines of its own, CRLF-ended.
            Assert.Contains("hello\r\n", text);
            Assert.Contains("\r\nMAIL FROM:<spoof@example.com>\r\nRCPT TO:<betty@example.com>\r\nDATA\r\nSubject: smuggled\r\n", text);
            Smtp.SmtpBareLineEndTests.AssertNoBareLineEnds(text);
        }
    }

    [Fact]
    public async Task DotStuffedLine_IsDataAndCrLfDotCrLf_EndsIt()
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await OpenDataAsync(engine, "smtp");
        await c.SendAsync("Subject: stuffed\r\n\r\nline\r\n..\r\n..MAIL FROM:<x@example.com>\r\n.\r\n");
        Assert.StartsWith("250", await c.ReadSmtpReplyAsync());
        var stored = Assert.Single(await Smtp.SmtpTestKit.InboxAsync(engine, adam));
        // The stuffed lines are intact, and the last line keeps its CRLF (the one before the final dot,
        // which SmtpServer 11.1.0 drops and the engine puts back: RFC 5321 4.1.1.4).
        Assert.True(stored.EndsWith("line\r\n.\r\n.MAIL FROM:<x@example.com>\r\n", StringComparison.Ordinal), stored);
    }

    /// <summary>
    /// Fuzz findings (smtp target): SmtpServer 11.1.0's parser threw on these and dropped the session
    /// without a reply (repeated parameter: ArgumentException; tab or 8-bit bytes in the parameters:
    /// ArgumentException; backslash in a quoted local part: RegexParseException). Inputs as found.
    /// </summary>
    [Theory]
    [InlineData("MAIL FROM:<alice@example.org> BODY=7BIT BODY=8BITMIME", "501 5.5.4")]
    [InlineData("MAIL FROM:<> SIZE=10 size=20", "501 5.5.4")]
    [InlineData("RCPT TO:<adam@example.com> NOTIFY=NEVER NOTIFY=SUCCESS", "501 5.5.4")]
    [InlineData("MAIL FROM:<> S\t S=?utf-8?q?=E9?=IZ>) S> SIZ> SI,SIZE=ZE=500000 BODY=8BITMIME", "501 5.5.4")]
    [InlineData("MAIL FROM:<> SIZE=500000 BODY=8\u00c8BY=8\u00c8BY=8\u00c8BITMIME", "501 5.5.4")]
    [InlineData("RCPT TO:<\"qumioted\\local\"@eom>", "501 5.1.3")]
    [InlineData("RCPT TO:<\"q\\uoted local\"@example.com>", "501 5.1.3")]
    [InlineData("RCPT TO:<\"quoted[loca\\l\"@example.com\u00e8", "501 5.1.3")]
    public async Task EnvelopeLinesTheSmtpLibraryThrowsOn_Get501_AndTheSessionGoesOn(string command, string reply)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await RawLineClient.ConnectAsync(engine.SmtpPort);
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
        if (command.StartsWith("RCPT"))
            Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith(reply, await c.SmtpAsync(command));
        if (!command.StartsWith("RCPT"))
            Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        Assert.StartsWith("354", await c.SmtpAsync("DATA"));
        Assert.StartsWith("250", await c.SmtpAsync("Subject: after\r\n\r\nstill here\r\n."));
        Assert.Single(await Smtp.SmtpTestKit.InboxAsync(engine, adam));
    }

    private static async Task<RawLineClient> OpenDataAsync(EngineHost engine, string listener)
    {
        var submission = listener == "submission";
        var c = await RawLineClient.ConnectAsync(submission ? engine.SubmissionPort : engine.SmtpPort);
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
        if (submission)
        {
            Assert.StartsWith("220", await c.SmtpAsync("STARTTLS"));
            await c.StartTlsAsync();
            Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
            var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0adam@example.com\0{EngineHost.Password}"));
            Assert.StartsWith("235", await c.SmtpAsync("AUTH PLAIN " + auth));
        }
        Assert.StartsWith("250", await c.SmtpAsync(submission ? "MAIL FROM:<adam@example.com>" : "MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        Assert.StartsWith("354", await c.SmtpAsync("DATA"));
        return c;
    }
}
