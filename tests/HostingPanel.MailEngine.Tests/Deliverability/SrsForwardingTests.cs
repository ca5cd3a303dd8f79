using System.Text;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Outbound.Srs;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Tests.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Deliverability;

/// <summary>
/// SRS over real SMTP: what the engine forwards leaves through the outbound relay (a capturing SMTP server) with the
/// envelope sender in SRS form at the forwarding domain, and a bounce sent to that address on the MX port reaches the
/// original sender; forged, expired and non-bounce mail to SRS addresses is refused with 550.
/// </summary>
public sealed class SrsForwardingTests
{
    private const string Secret = "srs test secret";
    private const string Srs0AtExampleCom = "^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=example.org=alice@example.com$";

    private static Dictionary<string, string?> Settings(FakeSmtpRelay relay) => new()
    {
        ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
        ["Mail:Srs:Secret"] = Secret,
    };

    private static async Task SendMxAsync(EngineHost engine, string from, string to, string subject)
    {
        using var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort);
        await client.SendAsync(SmtpTestKit.Message(from, to, subject));
        await client.DisconnectAsync(true);
    }

    private static async Task<(string From, List<string> To, string Data)> WaitForAsync(FakeSmtpRelay relay, string recipient)
    {
        (string From, List<string> To, string Data)? found = null;
        await SmtpTestKit.EventuallyAsync(() =>
        {
            lock (relay.Accepted)
                found = relay.Accepted.Cast<(string, List<string>, string)?>().FirstOrDefault(a => a!.Value.Item2.Contains(recipient, StringComparer.OrdinalIgnoreCase));
            return Task.FromResult(found is not null);
        }, "a message relayed to " + recipient, 30_000);
        return found!.Value;
    }

    /// <summary>A bounce (MAIL FROM:&lt;&gt;) over the MX port; returns the replies to RCPT TO and to the end of DATA (null when RCPT failed).</summary>
    private static async Task<(string Rcpt, string? Data)> SendBounceAsync(EngineHost engine, string to, string sender = "")
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await smtp.ReadReplyAsync();
        await smtp.CommandAsync("EHLO remote.example");
        Assert.StartsWith("250", await smtp.CommandAsync($"MAIL FROM:<{sender}>"));
        var rcpt = (await smtp.CommandAsync($"RCPT TO:<{to}>"))!;
        if (!rcpt.StartsWith("250"))
            return (rcpt, null);
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
        var data = await smtp.CommandAsync(
            "From: MAILER-DAEMON@elsewhere.example\r\nTo: " + to + "\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nYour message could not be delivered.\r\n.");
        await smtp.CommandAsync("QUIT");
        return (rcpt, data);
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task MailboxForward_LeavesWithSrs0Sender_AndItsBounceReachesTheOriginalSender(string provider)
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await SmtpTestKit.StartEngineAsync(provider, Settings(relay));
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("passes@example.com", EngineHost.Hash(EngineHost.Password), 0, true, true, true, 0,
            ForwardTo: ["far@elsewhere.example"], KeepCopyWhenForwarding: false));

        await SendMxAsync(engine, "alice@example.org", "passes@example.com", "forwarded");
        var forwarded = await WaitForAsync(relay, "far@elsewhere.example");
        Assert.Matches(Srs0AtExampleCom, forwarded.From);
        Assert.Contains("Subject: forwarded", forwarded.Data);

        // The next hop refuses it later and bounces to the SRS address: the bounce goes on to alice, from the null sender.
        var (rcpt, data) = await SendBounceAsync(engine, forwarded.From);
        Assert.StartsWith("250", rcpt);
        Assert.StartsWith("250", data);
        var bounce = await WaitForAsync(relay, "alice@example.org");
        Assert.Equal("", bounce.From);
        Assert.Contains("Subject: Undelivered Mail Returned to Sender", bounce.Data);
    }

    [Fact]
    public async Task AliasToExternal_LeavesWithSrs0Sender_LocalSenderStaysAsItIs()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(relay));
        await engine.CreateMailboxAsync("bob@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("team@example.com", ["far@elsewhere.example", "bob@example.com"]));

        await SendMxAsync(engine, "alice@example.org", "team@example.com", "to the team");
        Assert.Matches(Srs0AtExampleCom, (await WaitForAsync(relay, "far@elsewhere.example")).From);

        // A sender in a domain hosted here is in that domain's SPF already: not rewritten.
        lock (relay.Accepted)
            relay.Accepted.Clear();
        await SendMxAsync(engine, "bob@example.com", "team@example.com", "from inside");
        Assert.Equal("bob@example.com", (await WaitForAsync(relay, "far@elsewhere.example")).From);
    }

    [Fact]
    public async Task SieveRedirect_LeavesWithSrs0Sender_AndItsBounceComesBack()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(relay));
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var scripts = engine.Services.GetRequiredService<SieveScriptStore>();
        Assert.Equal(SieveStoreStatus.Ok, await scripts.PutAsync(bob.Id, "main", "redirect \"far@elsewhere.example\";"));
        Assert.Equal(SieveStoreStatus.Ok, await scripts.SetActiveAsync(bob.Id, "main"));

        await SendMxAsync(engine, "alice@example.org", "bob@example.com", "redirected");
        var redirected = await WaitForAsync(relay, "far@elsewhere.example");
        Assert.Matches("^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=example.org=alice@example.com$", redirected.From);
        var (rcpt, _) = await SendBounceAsync(engine, redirected.From);
        Assert.StartsWith("250", rcpt);
        Assert.Equal("", (await WaitForAsync(relay, "alice@example.org")).From);
    }

    [Fact]
    public async Task ForwardOfAlreadyRewrittenMail_IsSrs1_AndItsBounceGoesToTheFirstForwarder()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(relay));
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("passes@example.com", EngineHost.Hash(EngineHost.Password), 0, true, true, true, 0,
            ForwardTo: ["far@elsewhere.example"], KeepCopyWhenForwarding: false));
        var firstHop = new SrsAddress(Encoding.UTF8.GetBytes("someone else's secret"), 21).Forward("alice@example.org", "first.example", DateTimeOffset.UtcNow);

        await SendMxAsync(engine, firstHop, "passes@example.com", "twice forwarded");
        var forwarded = await WaitForAsync(relay, "far@elsewhere.example");
        Assert.StartsWith("SRS1=", forwarded.From);
        Assert.EndsWith("=first.example=" + firstHop[4..firstHop.IndexOf('@')] + "@example.com", forwarded.From);

        var (rcpt, _) = await SendBounceAsync(engine, forwarded.From);
        Assert.StartsWith("250", rcpt);
        // Our address is decoded to the first forwarder's, which our MX would normalize to lower case.
        var back = await WaitForAsync(relay, firstHop.ToLowerInvariant());
        Assert.Equal("", back.From);
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task ForgedOrExpiredSrsAddress_IsRefusedWith550_AndNothingIsRelayed(string provider)
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await SmtpTestKit.StartEngineAsync(provider, Settings(relay));
        await engine.CreateMailboxAsync("bob@example.com");
        var ours = new SrsAddress(Encoding.UTF8.GetBytes(Secret), 21);

        // Made with another key (an attacker's guess).
        var forged = new SrsAddress(Encoding.UTF8.GetBytes("guess"), 21).Forward("victim@example.org", "example.com", DateTimeOffset.UtcNow);
        var (rcpt, _) = await SendBounceAsync(engine, forged);
        Assert.StartsWith("550 5.1.1", rcpt);
        Assert.Contains("invalid SRS bounce address", rcpt);

        // Ours, but given out 30 days ago.
        var old = ours.Forward("victim@example.org", "example.com", DateTimeOffset.UtcNow.AddDays(-30));
        (rcpt, _) = await SendBounceAsync(engine, old);
        Assert.StartsWith("550 5.1.1", rcpt);
        Assert.Contains("expired SRS bounce address", rcpt);

        // Ours and fresh, but not a bounce: an SRS address is not a relay for whoever learnt it.
        var fresh = ours.Forward("victim@example.org", "example.com", DateTimeOffset.UtcNow);
        (rcpt, _) = await SendBounceAsync(engine, fresh, sender: "spammer@attacker.example");
        Assert.StartsWith("550 5.7.1", rcpt);

        // The same fresh address as a real bounce is accepted: the refusals above were for the reasons given.
        (rcpt, _) = await SendBounceAsync(engine, fresh);
        Assert.StartsWith("250", rcpt);
        await WaitForAsync(relay, "victim@example.org");
        lock (relay.Accepted)
            Assert.Single(relay.Accepted);
    }
}
