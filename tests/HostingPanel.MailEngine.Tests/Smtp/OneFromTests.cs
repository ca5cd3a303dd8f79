using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Protocol;
using MailKit.Net.Smtp;
using MimeKit;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Issue 16.7: submission takes a message with exactly one From and at most one Sender field (RFC 5322
/// section 3.6), in whatever spelling or folding a reader might accept, and every address in them must be
/// one the authenticated user may send as. Over real submission sockets.
/// </summary>
public sealed class OneFromTests
{
    private static readonly string Plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0adam@example.com\0" + EngineHost.Password));

    [Theory]
    [InlineData("From: adam@example.com\r\nFrom: betty@example.com\r\n", "From")]
    [InlineData("From: adam@example.com\r\nFROM : betty@example.com\r\n", "From")]
    [InlineData("From: adam@example.com\r\nfrom:\r\n\t betty@example.com\r\n", "From")]
    [InlineData("From: adam@example.com\r\nFrom\r\n : betty@example.com\r\n", "From")]
    [InlineData("From: adam@example.com\r\nfROM:\tadam@example.com\r\n", "From")]
    [InlineData("From: adam@example.com\r\nnot a field\r\nFrom: betty@example.com\r\n", "From")]
    [InlineData("From: adam@example.com\r\nSender: adam@example.com\r\nSENDER \t: adam@example.com\r\n", "Sender")]
    [InlineData("From: adam@example.com\rFrom: betty@example.com\nfrom: betty@example.com\r\n", "From")]
    public async Task Rfc5322_3_6_SecondFromOrSender_InAnySpellingOrFolding_Is554_AndNothingIsDelivered(string originators, string field)
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        var reply = await SubmitAsync(engine, originators + "Subject: two faces\r\n\r\nhi\r\n.");
        Assert.StartsWith("554 5.6.0", reply);
        Assert.Matches($"[23] {field} header fields", reply);
        Assert.Contains("RFC 5322 section 3.6", reply);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, betty));
    }

    [Theory]
    [InlineData("From: adam@example.com, betty@example.com\r\n", "From header <betty@example.com>")]
    [InlineData("From: team: adam@example.com, betty@example.com;\r\n", "From header <betty@example.com>")]
    [InlineData("From: adam@example.com <betty@example.com>\r\n", "From header <betty@example.com>")]
    [InlineData("FROM :betty@example.com\r\n", "From header <betty@example.com>")]
    [InlineData("from:\r\n\t betty@example.com\r\n", "From header <betty@example.com>")]
    [InlineData("From: adam@example.com\r\nSender: betty@example.com\r\n", "Sender header <betty@example.com>")]
    [InlineData("From: adam@example.com\r\nsender\r\n\t: =?utf-8?q?Betty?= <BETTY@example.com>\r\n", "Sender header <BETTY@example.com>")]
    public async Task EveryFromAndSenderAddress_MustBeOneTheUserMaySendAs(string originators, string refused)
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        var reply = await SubmitAsync(engine, originators + "Subject: not mine\r\n\r\nhi\r\n.");
        Assert.StartsWith("553 5.7.1", reply);
        Assert.Contains(refused, reply);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, betty));
    }

    [Theory]
    [InlineData("From: adam@example.com\r\nSender: adam@example.com, sales@example.com\r\n")]
    [InlineData("From: adam@example.com\r\nSender: \r\n")]
    public async Task Rfc5322_3_6_2_SenderHoldsExactlyOneAddress(string originators)
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        await engine.CreateMailboxAsync("betty@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("sales@example.com", ["adam@example.com"]));
        Assert.StartsWith("554 5.6.0", await SubmitAsync(engine, originators + "Subject: x\r\n\r\nhi\r\n."));
    }

    [Fact]
    public async Task OwnAddressAndOwnAliases_InFromAndSender_AreDelivered()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("sales@example.com", ["adam@example.com"]));
        Assert.StartsWith("250 2.0.0", await SubmitAsync(engine,
            "FROM : Sales <sales@example.com>, Adam <ADAM@example.com>\r\nSender:\r\n adam@example.com\r\nSubject: honest\r\n\r\nhi\r\n."));
        Assert.Contains("Subject: honest", Assert.Single(await SmtpTestKit.InboxAsync(engine, betty)));
    }

    [Fact]
    public async Task MailKit_MessageWithASecondFromField_IsRefusedWith554_5_6_0()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        var message = SmtpTestKit.Message("adam@example.com", "betty@example.com", "two faces");
        message.Headers.Add("FROM", "Betty <betty@example.com>");
        using var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com");
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message));
        Assert.Equal(SmtpStatusCode.TransactionFailed, refused.StatusCode);
        Assert.Contains("2 From header fields", refused.Message);

        // The same client goes on: one honest message is delivered.
        await client.SendAsync(SmtpTestKit.Message("adam@example.com", "betty@example.com", "honest"));
        Assert.Contains("Subject: honest", Assert.Single(await SmtpTestKit.InboxAsync(engine, betty)));
    }

    [Fact]
    public void Scanner_FindsTheSameFields_WhateverTheSegmentBoundaries()
    {
        var input = Encoding.ASCII.GetBytes("Subject: x\r\nFROM :a@b\r\nX: y\r\n z\r\nfrom\r\n\t: c@d\r\nSender: e@f\r\n\r\nFrom: body@g\r\n");
        var whole = Describe(MessageOriginatorFields.Find(input));
        Assert.Equal("FROM=a@b|from= c@d|Sender= e@f", whole);
        for (var split = 1; split < input.Length; split++)
            Assert.Equal(whole, Describe(MessageOriginatorFields.Find(TwoSegments(input, split))));
        // A header section without an end still has its last field found.
        Assert.Equal("From= a@b", Describe(MessageOriginatorFields.Find(Encoding.ASCII.GetBytes("From: a@b"))));
    }

    private static string Describe(IEnumerable<OriginatorField> fields) =>
        string.Join("|", fields.Select(f => f.Name + "=" + Encoding.ASCII.GetString(f.Value)));

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split));
        var last = first.Append(bytes.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }

    /// <summary>One message from adam to betty over a raw submission socket; the reply to its end of DATA.</summary>
    private static async Task<string?> SubmitAsync(EngineHost engine, string data)
    {
        await using var c = await RawSmtpClient.ConnectAsync(engine.SubmissionPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        Assert.StartsWith("235", await c.CommandAsync("AUTH PLAIN " + Plain));
        Assert.StartsWith("250", await c.CommandAsync("MAIL FROM:<adam@example.com>"));
        Assert.StartsWith("250", await c.CommandAsync("RCPT TO:<betty@example.com>"));
        Assert.StartsWith("354", await c.CommandAsync("DATA"));
        return await c.CommandAsync(data);
    }
}
