using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Tests.Security;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// CHUNKING (RFC 3030): BDAT inbound on the MX and submission ports (MailKit and raw sockets), in
/// sequence only after MAIL and an accepted RCPT, bounded by the message size; and BDAT outbound when
/// the next hop offers CHUNKING.
/// </summary>
public sealed class SmtpChunkingTests
{
    /// <summary>MailKit uses BDAT for binary content only, unless told to prefer it.</summary>
    private sealed class BdatClient(IProtocolLogger logger) : SmtpClient(logger)
    {
        protected override bool PreferSendAsBinaryData => true;
    }

    /// <summary>BDAT with exactly the chunk's octets (no CRLF added), and its reply.</summary>
    private static async Task<string?> BdatAsync(RawLineClient c, string chunk, bool last = false)
    {
        await c.SendAsync($"BDAT {Encoding.UTF8.GetByteCount(chunk)}{(last ? " LAST" : "")}\r\n{chunk}");
        return await c.ReadSmtpReplyAsync();
    }

    [Fact]
    public async Task Rfc3030_MailKit_SendsWithBdat_OnMxAndSubmission()
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        var log = new MemoryStream();
        using (var client = new BdatClient(new ProtocolLogger(log, leaveOpen: true)) { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000 })
        {
            await client.ConnectAsync("127.0.0.1", engine.SmtpPort, SecureSocketOptions.None);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking), "CHUNKING offered");
            await client.SendAsync(SmtpTestKit.Message("alice@example.org", "adam@example.com", "chunked inbound", "line one\r\n.line with a dot\r\n"));
            await client.DisconnectAsync(true);
            await client.ConnectAsync("127.0.0.1", engine.SubmissionPort, SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("adam@example.com", EngineHost.Password);
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "betty@example.com", "chunked submission"));
            await client.DisconnectAsync(true);
        }
        var wire = Encoding.UTF8.GetString(log.ToArray());
        Assert.Contains("C: BDAT ", wire);
        Assert.DoesNotContain("C: DATA", wire);
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Subject: chunked inbound", stored);
        Assert.Contains("\r\nline one\r\n.line with a dot\r\n", stored);
        Assert.Contains("Subject: chunked submission", Assert.Single(await SmtpTestKit.InboxAsync(engine, betty)));
    }

    [Fact]
    public async Task Rfc3030_PipelinedChunks_AreTakenByteForByte_WithoutDotStuffing_AndNothingInsideIsACommand()
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        await using var c = await SmtpWire.OpenMailAsync(engine, "smtp");
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        // A fake end of data and a whole second transaction inside the chunks: BDAT has no end marker, so it is text.
        var first = "Subject: chunks\r\n\r\n.\r\n..two dots\r\n";
        var second = "\r\n.\r\nMAIL FROM:<spoof@example.com>\r\nRCPT TO:<betty@example.com>\r\nDATA\r\nevil\r\n.\r\n";
        await c.SendAsync($"BDAT {Encoding.ASCII.GetByteCount(first)}\r\n{first}BDAT {Encoding.ASCII.GetByteCount(second)} LAST\r\n{second}NOOP\r\n");
        Assert.Equal($"250 2.0.0 {Encoding.ASCII.GetByteCount(first)} octets received", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("250 2.0.0 Ok: queued as", await c.ReadSmtpReplyAsync());
        Assert.Equal("250 2.0.0 Ok", await c.ReadSmtpReplyAsync());

        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.EndsWith("Subject: chunks\r\n\r\n.\r\n..two dots\r\n\r\n.\r\nMAIL FROM:<spoof@example.com>\r\nRCPT TO:<betty@example.com>\r\nDATA\r\nevil\r\n.\r\n", stored);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, betty));
    }

    [Theory]
    [InlineData("smtp")]
    [InlineData("submission")]
    public async Task Rfc3030_BdatOutOfSequence_Is503_ItsOctetsAreStillRead_AndDataAfterBdatToo(string listener)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await SmtpWire.OpenSessionAsync(engine, listener);
        // Before MAIL: refused, and the 12 octets (which look like a command) are skipped, not run.
        Assert.StartsWith("503 5.5.1", await BdatAsync(c, "QUIT\r\nQUIT\r\n", last: true));
        Assert.StartsWith("250", await c.SmtpAsync("NOOP"));
        var from = listener == "submission" ? "adam@example.com" : "alice@example.org";
        Assert.StartsWith("250", await c.SmtpAsync($"MAIL FROM:<{from}>"));
        // Without an accepted RCPT.
        Assert.StartsWith("550", await c.SmtpAsync("RCPT TO:<nobody@example.com>"));
        Assert.StartsWith("503 5.5.1", await BdatAsync(c, "abcd"));
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        Assert.StartsWith("501 5.5.4", await c.SmtpAsync("BDAT many"));
        Assert.StartsWith("250 2.0.0 6 octets", await BdatAsync(c, "From: "));
        // DATA inside a BDAT transaction is out of sequence (RFC 3030 section 2).
        Assert.StartsWith("503 5.5.1", await c.SmtpAsync("DATA"));
        var rest = $"{from}\r\nSubject: in order\r\n\r\nok\r\n";
        Assert.StartsWith("250 2.0.0 Ok", await BdatAsync(c, rest, last: true));
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.EndsWith($"From: {from}\r\nSubject: in order\r\n\r\nok\r\n", stored);
        // After LAST the transaction is over.
        Assert.StartsWith("503 5.5.1", await BdatAsync(c, "x", last: true));
    }

    [Fact]
    public async Task Rfc3030_ChunksOverTheSizeLimit_Get552_AndNothingIsStored_TheSessionGoesOn()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:SmtpLimits:MaxMessageSize"] = "20000" });
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await SmtpWire.OpenMailAsync(engine, "smtp");
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        var chunk = new string('z', 15000);
        Assert.StartsWith("250 2.0.0", await BdatAsync(c, chunk));
        Assert.StartsWith("552 5.3.4", await BdatAsync(c, chunk));
        Assert.StartsWith("552 5.3.4", await BdatAsync(c, "zz", last: true));
        Assert.StartsWith("250", await c.SmtpAsync("RSET"));
        Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com>"));
        Assert.StartsWith("250 2.0.0 Ok", await BdatAsync(c, "Subject: small\r\n\r\nx\r\n", last: true));
        Assert.Contains("Subject: small", Assert.Single(await SmtpTestKit.InboxAsync(engine, adam)));
    }

    [Fact]
    public async Task Rfc3030_Outbound_UsesBdat_WhenTheNextHopOffersChunking()
    {
        await using var relay = new FakeSmtpRelay { Extensions = ["8BITMIME", "CHUNKING"] };
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
        });
        await engine.CreateMailboxAsync("adam@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com"))
        {
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "friend@elsewhere.example", "chunked out", "body\r\n.dot line\r\n"));
            await client.DisconnectAsync(true);
        }
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "relayed");
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Count == 0, "queue empty");
        lock (relay.Commands)
        {
            Assert.Contains(relay.Commands, c => c.StartsWith("BDAT ") && c.EndsWith(" LAST"));
            Assert.DoesNotContain("DATA", relay.Commands);
        }
        Assert.Contains("Subject: chunked out", relay.Accepted[0].Data);
        Assert.Contains("\r\nbody\r\n.dot line\r\n", relay.Accepted[0].Data);
    }

    [Theory]
    [InlineData("Subject: x\r\n\r\n.\r\n", "DATA\r\nSubject: x\r\n\r\n..\r\n.\r\n")]
    [InlineData(".lead\r\nmid\r\n.end", "DATA\r\n.lead\r\nmid\r\n..end\r\n.\r\n")]
    [InlineData("bare\nlf\n.x", "DATA\r\nbare\r\nlf\r\n..x\r\n.\r\n")]
    [InlineData("", "DATA\r\n\r\n.\r\n")]
    public void ChunkedMessage_BecomesDotStuffedData(string message, string expected) =>
        Assert.Equal(expected, Encoding.ASCII.GetString(HostingPanel.MailEngine.Sessions.Smtp.SmtpChunking.AsDotStuffedData(Encoding.ASCII.GetBytes(message)).ToArray<byte>()));
}
