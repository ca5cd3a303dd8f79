using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>RFC 5230 and RFC 3834: who gets a vacation reply, how often, and what it looks like; through real SMTP.</summary>
public sealed class SieveVacationTests
{
    private const string Script = """
        require ["vacation"];
        vacation :days 7 :subject "Out of office" "I am away until Monday.";
        """;

    private static async Task<(FakeSmtpRelay Relay, EngineHost Engine, MailboxAccount Bob)> StartAsync(string script = Script)
    {
        var relay = new FakeSmtpRelay();
        var engine = await EngineHost.StartAsync(new()
        {
            ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
        });
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var store = engine.Services.GetRequiredService<SieveScriptStore>();
        await store.PutAsync(bob.Id, "vacation", script);
        await store.SetActiveAsync(bob.Id, "vacation");
        return (relay, engine, bob);
    }

    private static async Task SendAsync(EngineHost engine, MimeMessage message, string? envelopeFrom = null)
    {
        using var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort);
        if (envelopeFrom is null)
            await client.SendAsync(message);
        else
            await client.SendAsync(message, envelopeFrom.Length == 0 ? new MailboxAddress("", "") : MailboxAddress.Parse(envelopeFrom), [MailboxAddress.Parse("bob@example.com")]);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Rfc5230_OneReplyPerSenderPerPeriod_WithRfc3834Headers_FromTheNullSender()
    {
        var (relay, engine, bob) = await StartAsync();
        await using var _ = relay;
        await using var __ = engine;
        var first = SmtpTestKit.Message("alice@example.org", "bob@example.com", "Question");
        await SendAsync(engine, first);
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "vacation reply relayed");
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "Another question"));
        await SendAsync(engine, SmtpTestKit.Message("zoe@example.net", "bob@example.com", "Hi"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 2), "reply to the second sender");
        // Both senders' messages are kept.
        Assert.Equal(3, (await SmtpTestKit.InboxAsync(engine, bob)).Count);

        var (from, to, data) = relay.Accepted[0];
        Assert.Equal("", from);
        Assert.Equal(["alice@example.org"], to);
        var reply = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(data)));
        Assert.Equal("Out of office", reply.Subject);
        Assert.Equal("bob@example.com", reply.From.Mailboxes.Single().Address);
        Assert.StartsWith("auto-replied", reply.Headers["Auto-Submitted"]);
        Assert.Equal(first.MessageId, reply.InReplyTo);
        Assert.Contains("I am away until Monday.", reply.TextBody);
        Assert.Equal(["zoe@example.net"], relay.Accepted[1].To);
        // Give a wrongly sent third reply time to show up before counting.
        await Task.Delay(500);
        Assert.Equal(2, relay.Accepted.Count);
    }

    [Fact]
    public async Task Rfc5230_NoReply_ToListsBulkAutoSubmittedNullSenderOwnAddressOrWhenNotAddressed()
    {
        var (relay, engine, bob) = await StartAsync();
        await using var _ = relay;
        await using var __ = engine;
        var list = SmtpTestKit.Message("l1@example.org", "bob@example.com", "list");
        list.Headers.Add("List-Id", "<news.example.org>");
        var bulk = SmtpTestKit.Message("l2@example.org", "bob@example.com", "bulk");
        bulk.Headers.Add("Precedence", "bulk");
        var auto = SmtpTestKit.Message("l3@example.org", "bob@example.com", "auto");
        auto.Headers.Add("Auto-Submitted", "auto-generated");
        var notAddressed = SmtpTestKit.Message("l4@example.org", "someone@example.org", "bcc");
        var daemon = SmtpTestKit.Message("MAILER-DAEMON@example.org", "bob@example.com", "daemon");
        var own = SmtpTestKit.Message("bob@example.com", "bob@example.com", "own");
        foreach (var m in new[] { list, bulk, auto, daemon, own })
            await SendAsync(engine, m);
        await SendAsync(engine, notAddressed, "l4@example.org");
        await SendAsync(engine, SmtpTestKit.Message("l5@example.org", "bob@example.com", "null sender"), "");
        // The control: a plain message gets its reply; every message above was delivered before it.
        await SendAsync(engine, SmtpTestKit.Message("ok@example.org", "bob@example.com", "control"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count >= 1), "the control's reply");
        await Task.Delay(500);
        Assert.Equal(["ok@example.org"], Assert.Single(relay.Accepted).To);
        Assert.Equal(8, (await SmtpTestKit.InboxAsync(engine, bob)).Count);
    }

    [Fact]
    public async Task VacationReply_ToALocalSender_ArrivesInItsInbox()
    {
        var (relay, engine, bob) = await StartAsync();
        await using var _ = relay;
        await using var __ = engine;
        var carol = await engine.CreateMailboxAsync("carol@example.com");
        await SendAsync(engine, SmtpTestKit.Message("carol@example.com", "bob@example.com", "lunch?"));
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, carol)).Count == 1, "reply in carol's inbox");
        var reply = Assert.Single(await SmtpTestKit.InboxAsync(engine, carol));
        Assert.Contains("Subject: Out of office", reply);
        Assert.StartsWith("Return-Path: <>", reply);
    }

    /// <summary>
    /// RFC 5230 section 4.1: a sender answered once is not answered again until :days have passed since that reply,
    /// and the period is clamped into the site's range (here Pigeonhole's 1 to 60 days). The clock is the engine's
    /// TimeProvider, moved by hand; the sender is local, so each reply is in her INBOX before the SMTP 250 and no
    /// assertion waits on time.
    /// </summary>
    [Fact]
    public async Task Rfc5230_Days_TheNextReplyComesOnlyAfterThePeriod_CountedFromTheLastReply_AndClampedToTheMaximum()
    {
        var clock = new Quota.ManualClock(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var engine = await EngineHost.StartAsync(null, services => services.AddSingleton<TimeProvider>(clock));
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var dave = await engine.CreateMailboxAsync("dave@example.com");
        var carol = await engine.CreateMailboxAsync("carol@example.com");
        var scripts = engine.Services.GetRequiredService<SieveScriptStore>();
        await scripts.PutAsync(bob.Id, "away", "require \"vacation\"; vacation :days 3 \"Back on Thursday.\";");
        await scripts.SetActiveAsync(bob.Id, "away");
        // 100 days is past the site's maximum of 60.
        await scripts.PutAsync(dave.Id, "away", "require \"vacation\"; vacation :days 100 \"On sabbatical.\";");
        await scripts.SetActiveAsync(dave.Id, "away");

        async Task<int> RepliesAfterWritingTo(string to)
        {
            await SendAsync(engine, SmtpTestKit.Message("carol@example.com", to, "ping"));
            return (await SmtpTestKit.InboxAsync(engine, carol)).Count(m => m.Contains("Auto-Submitted: auto-replied", StringComparison.Ordinal));
        }

        Assert.Equal(1, await RepliesAfterWritingTo("bob@example.com"));
        clock.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMinutes(1));
        Assert.Equal(1, await RepliesAfterWritingTo("bob@example.com"));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(2, await RepliesAfterWritingTo("bob@example.com"));
        // The new period runs from the second reply, not from the first.
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(2, await RepliesAfterWritingTo("bob@example.com"));

        Assert.Equal(3, await RepliesAfterWritingTo("dave@example.com"));
        clock.Advance(TimeSpan.FromDays(59));
        Assert.Equal(3, await RepliesAfterWritingTo("dave@example.com"));
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(4, await RepliesAfterWritingTo("dave@example.com"));
        // Every message was kept, answered or not.
        Assert.Equal(4, (await SmtpTestKit.InboxAsync(engine, bob)).Count);
        Assert.Equal(3, (await SmtpTestKit.InboxAsync(engine, dave)).Count);
    }

    [Fact]
    public void DefaultSubject_IsAutoAndTheOriginal()
    {
        var message = SieveMessage.Parse(System.Text.Encoding.UTF8.GetBytes("From: a@b.example\r\nTo: bob@example.com\r\nSubject: Lunch\r\n\r\nx\r\n"), "a@b.example", "bob@example.com");
        var result = SieveInterpreter.Run(SieveScript.Compile("require \"vacation\"; vacation \"away\";"), message);
        Assert.Null(SieveVacationResponder.ReasonNotToReply(message, new SieveRecipient(1, "bob@example.com", "bob@example.com"), result.Vacation!));
    }
}
