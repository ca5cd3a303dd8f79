using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Outbound;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>Submission (Mail:Submission:Port, Mail:Submissions:Port) and the outbound queue.</summary>
public sealed class SmtpSubmissionTests
{
    private static Dictionary<string, string?> RelayTo(FakeSmtpRelay relay, string retryDelay = "00:00:05", int maxAttempts = 5) => new()
    {
        ["Mail:Relay:Host"] = "127.0.0.1",
        ["Mail:Relay:Port"] = relay.Port.ToString(),
        ["Mail:Relay:Security"] = "None",
        ["Mail:Queue:RetryDelay"] = retryDelay,
        ["Mail:Queue:MaxAttempts"] = maxAttempts.ToString(),
    };

    [Fact]
    public async Task Submission_RequiresAuth_AndHidesAuthWithoutTls_WhenPlaintextIsNotAllowed()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await RawSmtpClient.ConnectAsync(engine.SubmissionPort);
        await c.ReadReplyAsync();
        var ehlo = await c.CommandAsync("EHLO client.example");
        Assert.DoesNotContain("AUTH", ehlo);
        Assert.Contains("STARTTLS", ehlo);
        Assert.StartsWith("530", await c.CommandAsync("MAIL FROM:<adam@example.com>"));
        Assert.StartsWith("220", await c.CommandAsync("STARTTLS"));
        await c.StartTlsAsync();
        Assert.Contains("AUTH PLAIN LOGIN", await c.CommandAsync("EHLO client.example"));
    }

    [Fact]
    public async Task Submission_StartTlsAndImplicitTls_AuthPlainAndLogin_DeliverLocally()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, SecureSocketOptions.StartTls))
        {
            client.AuthenticationMechanisms.Remove("LOGIN");
            await client.AuthenticateAsync("adam@example.com", EngineHost.Password);
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "betty@example.com", "via 587"));
            await client.DisconnectAsync(true);
        }
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionsPort, SecureSocketOptions.SslOnConnect))
        {
            client.AuthenticationMechanisms.Remove("PLAIN");
            await client.AuthenticateAsync("adam@example.com", EngineHost.Password);
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "betty@example.com", "via 465"));
            await client.DisconnectAsync(true);
        }
        var inbox = await SmtpTestKit.InboxAsync(engine, betty);
        Assert.Equal(2, inbox.Count);
        Assert.All(inbox, m => Assert.Contains("with ESMTPSA", m));

        using var wrong = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, SecureSocketOptions.StartTls);
        await Assert.ThrowsAsync<AuthenticationException>(() => wrong.AuthenticateAsync("adam@example.com", "wrong password"));
    }

    [Fact]
    public async Task Submission_SenderAndFromHeader_MustBeOwnAddressOrAliasReachingIt()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("sales@example.com", ["adam@example.com"]));
        await engine.Admin.EnsureAliasAsync(new AliasSpec("*@example.com", ["adam@example.com"]));

        await using (var c = await RawSmtpClient.ConnectAsync(engine.SubmissionPort))
        {
            await c.ReadReplyAsync();
            await c.CommandAsync("EHLO client.example");
            var plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0adam@example.com\0" + EngineHost.Password));
            Assert.StartsWith("235", await c.CommandAsync("AUTH PLAIN " + plain));
            Assert.StartsWith("553 5.7.1", await c.CommandAsync("MAIL FROM:<betty@example.com>"));
            // The catch-all reaches adam, but does not make every address his.
            Assert.StartsWith("553 5.7.1", await c.CommandAsync("MAIL FROM:<ceo@example.com>"));
            Assert.StartsWith("553 5.7.1", await c.CommandAsync("MAIL FROM:<>"));
            Assert.StartsWith("250", await c.CommandAsync("MAIL FROM:<sales@example.com>"));
            Assert.StartsWith("250", await c.CommandAsync("RCPT TO:<betty@example.com>"));
            Assert.StartsWith("354", await c.CommandAsync("DATA"));
            Assert.StartsWith("553 5.7.1", await c.CommandAsync("From: Betty <betty@example.com>\r\nSubject: forged\r\n\r\nhi\r\n."));
            Assert.StartsWith("250", await c.CommandAsync("MAIL FROM:<adam@example.com>"));
            Assert.StartsWith("250", await c.CommandAsync("RCPT TO:<betty@example.com>"));
            Assert.StartsWith("354", await c.CommandAsync("DATA"));
            Assert.StartsWith("250 2.0.0", await c.CommandAsync("From: Sales <sales@example.com>\r\nSubject: honest\r\n\r\nhi\r\n."));
        }
        var inbox = Assert.Single(await SmtpTestKit.InboxAsync(engine, betty));
        Assert.Contains("Subject: honest", inbox);
        // RFC 6409 section 8: the submission server completes a missing Date and Message-ID.
        Assert.Contains("\r\nDate: ", inbox);
        Assert.Matches(@"\r\nMessage-ID: <[^@\s]+@mail\.test>\r\n", inbox);
    }

    [Fact]
    public async Task Queue_SmarthostFailsFirst_ThenAccepts_VisibleToAdminsMeanwhile()
    {
        await using var relay = new FakeSmtpRelay { DataReply = attempt => attempt == 1 ? "451 4.3.0 try again later" : "250 2.0.0 accepted" };
        await using var engine = await EngineHost.StartAsync(RelayTo(relay, retryDelay: "00:10:00"));
        await engine.CreateMailboxAsync("adam@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com"))
        {
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "friend@elsewhere.example", "outbound"));
            await client.DisconnectAsync(true);
        }
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        QueuedMessage? entry = null;
        await SmtpTestKit.EventuallyAsync(async () => (entry = (await queue.ListAsync()).SingleOrDefault()) is { Attempts: 1 }, "first attempt recorded");
        Assert.Equal("adam@example.com", entry!.Sender);
        Assert.Equal("friend@elsewhere.example", Assert.Single(entry.Recipients).Address);
        Assert.Contains("451", entry.LastError);
        Assert.True(entry.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(5), "backs off");
        Assert.Empty(relay.Accepted);

        Assert.True(await queue.RetryNowAsync(entry.Id));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "delivered on retry");
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Count == 0, "queue empty");
        var (from, to, data) = relay.Accepted[0];
        Assert.Equal("adam@example.com", from);
        Assert.Equal(["friend@elsewhere.example"], to);
        Assert.Contains("Subject: outbound", data);
        Assert.Contains("by mail.test with ESMTPA", data);
        Assert.False(await queue.RetryNowAsync(entry.Id));
    }

    [Fact]
    public async Task Queue_FinalFailure_BouncesToTheSender_AndAdminCanDelete()
    {
        await using var relay = new FakeSmtpRelay { DataReply = _ => "451 4.3.0 still down" };
        await using var engine = await EngineHost.StartAsync(RelayTo(relay, retryDelay: "00:00:00.100", maxAttempts: 2));
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com"))
        {
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "friend@elsewhere.example", "doomed"));
            await client.DisconnectAsync(true);
        }
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "bounce in the sender's INBOX");
        var dsn = (await SmtpTestKit.InboxAsync(engine, adam))[0];
        Assert.Contains("Subject: Undelivered Mail Returned to Sender", dsn);
        Assert.Contains("Final-Recipient: rfc822; friend@elsewhere.example", dsn);
        Assert.Contains("Action: failed", dsn);
        Assert.Contains("Subject: doomed", dsn); // the original headers come back
        Assert.Equal(2, relay.DataAttempts);
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        Assert.Empty(await queue.ListAsync());

        // An admin removes a stuck entry without a bounce.
        relay.DataReply = _ => "451 4.3.0 still down";
        var stuck = await engine.Services.GetRequiredService<OutboundQueue>().EnqueueAsync("adam@example.com", ["x@elsewhere.example"], "Subject: stuck\r\n\r\nx\r\n"u8.ToArray(), false);
        Assert.True(await queue.DeleteAsync(stuck));
        Assert.DoesNotContain(await queue.ListAsync(), e => e.Id == stuck);
        Assert.False(await queue.DeleteAsync(stuck));
    }

    [Fact]
    public async Task Queue_PermanentRefusal_BouncesAtOnce()
    {
        await using var relay = new FakeSmtpRelay { RcptReply = _ => "550 5.1.1 no such user there" };
        await using var engine = await EngineHost.StartAsync(RelayTo(relay));
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com"))
        {
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "ghost@elsewhere.example", "to a ghost"));
            await client.DisconnectAsync(true);
        }
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "bounce");
        var dsn = (await SmtpTestKit.InboxAsync(engine, adam))[0];
        Assert.Contains("Status: 5.1.1", dsn);
        Assert.Contains("no such user there", dsn);
    }

    [Fact]
    public async Task Queue_WithoutSmarthost_DeliversToTheMxFromDns_AndBouncesANullMx()
    {
        await using var relay = new FakeSmtpRelay();
        await using var dns = new FakeDnsServer();
        dns.Mx["elsewhere.example"] = "127.0.0.1";
        dns.Mx["nomail.example"] = ".";
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Mail:Relay:DnsServers:0"] = $"127.0.0.1:{dns.Port}",
            ["Mail:Relay:MxPort"] = relay.Port.ToString(),
        });
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com"))
        {
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "friend@elsewhere.example", "direct"));
            await client.SendAsync(SmtpTestKit.Message("adam@example.com", "nobody@nomail.example", "to a null MX"));
            await client.DisconnectAsync(true);
        }
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "delivered to the MX");
        Assert.Equal(["friend@elsewhere.example"], relay.Accepted[0].To);
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, adam)).Count == 1, "bounce for the null MX");
        Assert.Contains("Final-Recipient: rfc822; nobody@nomail.example", (await SmtpTestKit.InboxAsync(engine, adam))[0]);
    }
}
