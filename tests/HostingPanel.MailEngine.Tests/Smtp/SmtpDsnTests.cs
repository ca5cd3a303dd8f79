using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Tests.Security;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// RFC 3461 DSN parameters (NOTIFY, RET, ENVID, ORCPT) on inbound and submission, honoured by the
/// product's own reports (RFC 3464 multipart/report) and passed on to a next hop that offers DSN.
/// MailKit's SmtpClient speaks DSN; the relay sink records what it was sent.
/// </summary>
public sealed class SmtpDsnTests
{
    private static Dictionary<string, string?> RelayTo(FakeSmtpRelay relay, string retryDelay = "00:10:00", int maxAttempts = 5) => new()
    {
        ["Mail:Relay:Host"] = "127.0.0.1",
        ["Mail:Relay:Port"] = relay.Port.ToString(),
        ["Mail:Relay:Security"] = "None",
        ["Mail:Queue:RetryDelay"] = retryDelay,
        ["Mail:Queue:MaxAttempts"] = maxAttempts.ToString(),
    };

    /// <summary>MailKit with DSN parameters of the test's choosing (MailKit sends them only when the server offers DSN).</summary>
    private sealed class DsnClient(DeliveryStatusNotification? notify, string? envelopeId) : SmtpClient
    {
        protected override string? GetEnvelopeId(MimeMessage message) => envelopeId;
        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) => notify;
    }

    private static async Task SubmitAsync(EngineHost engine, MimeMessage message, DeliveryStatusNotification? notify, string? envelopeId = null,
        DeliveryStatusNotificationType ret = DeliveryStatusNotificationType.Unspecified)
    {
        using var client = new DsnClient(notify, envelopeId)
        {
            ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 20_000, DeliveryStatusNotificationType = ret,
        };
        await client.ConnectAsync("127.0.0.1", engine.SubmissionPort, SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Dsn), "DSN offered at EHLO");
        await client.AuthenticateAsync("adam@example.com", EngineHost.Password);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Rfc3461_NotifySuccess_LocalDelivery_GetsADeliveredReport_WithTheEnvelopeId()
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        await SubmitAsync(engine, SmtpTestKit.Message("adam@example.com", "betty@example.com", "tell me"), DeliveryStatusNotification.Success, "hp-env-1");

        Assert.Contains("Subject: tell me", Assert.Single(await SmtpTestKit.InboxAsync(engine, betty)));
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "success report");
        var report = (await SmtpTestKit.InboxAsync(engine, adam))[0];
        Assert.Contains("Subject: Successful Mail Delivery Report", report);
        Assert.Contains("report-type=delivery-status", report);
        Assert.Contains("Original-Envelope-Id: hp-env-1", report);
        Assert.Contains("Final-Recipient: rfc822; betty@example.com", report);
        Assert.Contains("Action: delivered", report);
        Assert.Contains("Status: 2.0.0", report);
    }

    [Fact]
    public async Task Rfc3461_NotifyNever_SuppressesTheFailureReport_WithoutNotifyAFailureIsReported()
    {
        await using var relay = new FakeSmtpRelay { RcptReply = _ => "550 5.1.1 no such user there" };
        await using var engine = await EngineHost.StartAsync(RelayTo(relay));
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();

        await SubmitAsync(engine, SmtpTestKit.Message("adam@example.com", "gone@elsewhere.example", "quiet"), DeliveryStatusNotification.Never);
        await SmtpTestKit.EventuallyAsync(async () => relay.DataAttempts == 0 && relay.Commands.Any(c => c.StartsWith("RCPT")) && (await queue.ListAsync()).Count == 0,
            "refused and removed from the queue");
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, adam));

        await SubmitAsync(engine, SmtpTestKit.Message("adam@example.com", "gone@elsewhere.example", "loud"), notify: null);
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "failure report");
        var report = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Action: failed", report);
        Assert.Contains("Subject: loud", report);
    }

    [Fact]
    public async Task Rfc3461_NextHopOffersDsn_ParametersArePassedOn_AndNoRelayedReportIsSent()
    {
        await using var relay = new FakeSmtpRelay { Extensions = ["8BITMIME", "DSN"] };
        await using var engine = await EngineHost.StartAsync(RelayTo(relay));
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        // ENVID with a space and a plus: xtext on the wire both ways (RFC 3461 section 4).
        await SubmitAsync(engine, SmtpTestKit.Message("adam@example.com", "friend@elsewhere.example", "passed on"),
            DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure, "env 1+x", DeliveryStatusNotificationType.Full);
        await SmtpTestKit.EventuallyAsync(async () => relay.Accepted.Count == 1 && (await queue.ListAsync()).Count == 0, "relayed");

        string[] commands;
        lock (relay.Commands)
            commands = [.. relay.Commands];
        var mail = commands.Single(c => c.StartsWith("MAIL"));
        var rcpt = commands.Single(c => c.StartsWith("RCPT"));
        Assert.Contains(" RET=FULL", mail);
        Assert.Contains(" ENVID=env+201+2Bx", mail);
        Assert.Contains(" NOTIFY=SUCCESS,FAILURE", rcpt);
        Assert.Contains(" ORCPT=rfc822;friend@elsewhere.example", rcpt);
        // The next hop reports from here on (RFC 3461 6.2.1): nothing from us.
        await Task.Delay(500);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, adam));
    }

    [Fact]
    public async Task Rfc3461_NextHopWithoutDsn_NotifySuccess_GetsARelayedReport()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(RelayTo(relay));
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await SubmitAsync(engine, SmtpTestKit.Message("adam@example.com", "friend@elsewhere.example", "relayed"), DeliveryStatusNotification.Success);
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "relayed report");
        var report = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Action: relayed", report);
        Assert.Contains("Final-Recipient: rfc822; friend@elsewhere.example", report);
        Assert.Single(relay.Accepted);
        Assert.DoesNotContain(relay.Commands, c => c.Contains("NOTIFY="));
    }

    [Fact]
    public async Task Rfc3461_NotifyDelay_OneDelayedReport_NotOnePerAttempt()
    {
        await using var relay = new FakeSmtpRelay { DataReply = _ => "451 4.3.0 still down" };
        await using var engine = await EngineHost.StartAsync(RelayTo(relay));
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        await SubmitAsync(engine, SmtpTestKit.Message("adam@example.com", "slow@elsewhere.example", "patience"),
            DeliveryStatusNotification.Delay | DeliveryStatusNotification.Failure);
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "delayed report");
        var report = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Subject: Delayed Mail (still being retried)", report);
        Assert.Contains("Action: delayed", report);
        Assert.Contains("Status: 4.3.0", report);

        var entry = Assert.Single(await queue.ListAsync());
        Assert.True(await queue.RetryNowAsync(entry.Id));
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Single().Attempts == 2, "second attempt");
        await Task.Delay(300);
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
    }

    [Theory]
    [InlineData(DeliveryStatusNotificationType.Full, true)]
    [InlineData(DeliveryStatusNotificationType.HeadersOnly, false)]
    public async Task Rfc3461_Ret_FullReturnsTheMessage_HdrsOnlyItsHeaders(DeliveryStatusNotificationType ret, bool full)
    {
        await using var relay = new FakeSmtpRelay { RcptReply = _ => "550 5.1.1 no such user there" };
        await using var engine = await EngineHost.StartAsync(RelayTo(relay));
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await SubmitAsync(engine, SmtpTestKit.Message("adam@example.com", "gone@elsewhere.example", "return me", "the body comes back"),
            DeliveryStatusNotification.Failure, ret: ret);
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "failure report");
        var report = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Subject: return me", report);
        Assert.Equal(full, report.Contains("Content-Type: message/rfc822"));
        Assert.Equal(!full, report.Contains("Content-Type: text/rfc822-headers"));
        Assert.Equal(full, report.Contains("the body comes back"));
    }

    [Fact]
    public async Task Rfc3461_Inbound_NotifySuccessWithOrcpt_ReportGoesToTheExternalSender()
    {
        await using var relay = new FakeSmtpRelay();
        // The external sender is not verified here (no SPF or DKIM: BackscatterAndAmplificationTests withholds its reports); this test is about the report.
        var settings = RelayTo(relay);
        settings["Mail:Bounces:RequireVerifiedSender"] = "false";
        await using var engine = await EngineHost.StartAsync(settings);
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using (var c = await RawLineClient.ConnectAsync(engine.SmtpPort))
        {
            Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
            Assert.Matches(@"\n250[ -]DSN(\n|$)", await c.SmtpAsync("EHLO client.example"));
            Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@elsewhere.example> RET=HDRS ENVID=in-1"));
            Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com> NOTIFY=SUCCESS ORCPT=rfc822;Adam+40example.com"));
            Assert.StartsWith("354", await c.SmtpAsync("DATA"));
            Assert.StartsWith("250 2.0.0", await c.SmtpAsync("From: alice@elsewhere.example\r\nSubject: inbound dsn\r\n\r\nhi\r\n."));
        }
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "report relayed to the sender");
        var (from, to, data) = relay.Accepted[0];
        Assert.Equal("", from);
        Assert.Equal(["alice@elsewhere.example"], to);
        Assert.Contains("Action: delivered", data);
        Assert.Contains("Original-Recipient: rfc822; Adam@example.com", data);
        Assert.Contains("Original-Envelope-Id: in-1", data);
    }

    [Theory]
    [InlineData("RCPT TO:<adam@example.com> NOTIFY=NEVER,SUCCESS")]
    [InlineData("RCPT TO:<adam@example.com> NOTIFY=SOMETIMES")]
    [InlineData("RCPT TO:<adam@example.com> NOTIFY=SUCCESS,SUCCESS")]
    [InlineData("RCPT TO:<adam@example.com> ORCPT=adam@example.com")]
    [InlineData("RCPT TO:<adam@example.com> ORCPT=rfc822;a+zzb")]
    [InlineData("MAIL FROM:<alice@example.org> RET=ALL")]
    [InlineData("MAIL FROM:<alice@example.org> ENVID=+4")]
    public async Task Rfc3461_MalformedDsnParameters_Get501_5_5_4_AndTheSessionGoesOn(string command)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await RawLineClient.ConnectAsync(engine.SmtpPort);
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
        if (command.StartsWith("RCPT"))
            Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("501 5.5.4", await c.SmtpAsync(command));
        if (!command.StartsWith("RCPT"))
            Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<adam@example.com> NOTIFY=FAILURE,DELAY"));
        Assert.StartsWith("354", await c.SmtpAsync("DATA"));
        Assert.StartsWith("250", await c.SmtpAsync("Subject: after\r\n\r\nstill here\r\n."));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
    }
}
