using HostingPanel.MailEngine.Tests.Security;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// RFC 5321 sections 4.1.4 and 4.3.2: commands out of order get "503 5.5.1 bad sequence of commands",
/// never 501 (which says the syntax was wrong), and the session goes on.
/// </summary>
public sealed class SmtpCommandSequenceTests
{
    [Theory]
    [InlineData("smtp")]
    [InlineData("submission")]
    public async Task Rfc5321_DataOrRcptBeforeMail_Is503_5_5_1(string listener)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await SmtpWire.OpenSessionAsync(engine, listener);
        Assert.StartsWith("503 5.5.1", await c.SmtpAsync("DATA"));
        Assert.StartsWith("503 5.5.1", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        // The session is intact: a proper transaction still works.
        var from = listener == "submission" ? "adam@example.com" : "alice@example.org";
        Assert.StartsWith("250", await c.SmtpAsync($"MAIL FROM:<{from}>"));
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        Assert.StartsWith("354", await c.SmtpAsync("DATA"));
        Assert.StartsWith("250 2.0.0", await c.SmtpAsync($"From: {from}\r\nSubject: after\r\n\r\nok\r\n."));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
    }

    [Fact]
    public async Task Rfc5321_DataWithoutAcceptedRcpt_AndSecondMail_Are503_5_5_1()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await SmtpWire.OpenMailAsync(engine, "smtp");
        Assert.StartsWith("503 5.5.1", await c.SmtpAsync("DATA"));
        // RFC 5321 3.3: when every RCPT was refused, DATA is out of sequence too.
        Assert.StartsWith("550 5.1.1", await c.SmtpAsync("RCPT TO:<nobody@example.com>"));
        Assert.StartsWith("503 5.5.1", await c.SmtpAsync("DATA"));
        Assert.StartsWith("503 5.5.1", await c.SmtpAsync("MAIL FROM:<other@example.org>"));
        Assert.StartsWith("250", await c.SmtpAsync("RSET"));
        Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<other@example.org>"));
    }

    [Fact]
    public async Task Rfc5321_MailBeforeEhlo_Is503_5_5_1()
    {
        await using var engine = await EngineHost.StartAsync();
        await using var c = await RawLineClient.ConnectAsync(engine.SmtpPort);
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("503 5.5.1", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
    }

    [Theory]
    [InlineData("501 expected MAIL/RSET, 2 retry(ies) remaining.", "503 5.5.1 bad sequence of commands: expected MAIL/RSET, 2 retry(ies) remaining.")]
    [InlineData("501 syntax error", "501 syntax error")]
    [InlineData("250 expected nothing", "250 expected nothing")]
    public void PackageSequenceRefusal_IsRewrittenTo503_OtherLinesAreNot(string line, string expected) =>
        Assert.Equal(expected, HostingPanel.MailEngine.Protocol.Smtp.SmtpBadSequence.Rewrite(line));
}
