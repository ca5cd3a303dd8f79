using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Outbound.Limits;
using HostingPanel.MailEngine.Tests.Smtp;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Deliverability;

/// <summary>
/// Outbound abuse limits over real SMTP submission: past a mailbox's hourly limit its sending is held (451 4.7.1 at the
/// end of DATA, then at MAIL FROM), its queued mail waits, and a release lets both go; past a domain's limit every
/// mailbox of the domain gets 451 4.7.1 without a hold.
/// </summary>
public sealed class SendLimitTests
{
    private static Dictionary<string, string?> Settings(FakeSmtpRelay relay, params (string Key, string Value)[] limits)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
            ["Mail:Queue:RetryDelay"] = "00:00:00.200", ["Mail:Queue:PollInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in limits)
            settings["Mail:SendLimits:" + key] = value;
        return settings;
    }

    /// <summary>Submits one message as <paramref name="from"/>; null when accepted, else the reply (code and text).</summary>
    private static async Task<string?> SubmitAsync(EngineHost engine, string from, string to, string subject = "hello")
    {
        using var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: from);
        try
        {
            await client.SendAsync(SmtpTestKit.Message(from, to, subject));
            return null;
        }
        catch (SmtpCommandException e)
        {
            return $"{(int)e.StatusCode} {e.Message}";
        }
        finally
        {
            await client.DisconnectAsync(true);
        }
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task PastTheMailboxLimit_SubmissionIs451_TheMailboxIsHeld_UntilReleased(string provider)
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await SmtpTestKit.StartEngineAsync(provider, Settings(relay, ("MessagesPerHourPerMailbox", "2")));
        await engine.CreateMailboxAsync("adam@example.com");
        await engine.CreateMailboxAsync("betty@example.com");
        var holds = engine.Services.GetRequiredService<ISendingHolds>();

        // Mail between hosted mailboxes does not count.
        for (var i = 0; i < 3; i++)
            Assert.Null(await SubmitAsync(engine, "adam@example.com", "betty@example.com", "inside " + i));
        Assert.Null(await SubmitAsync(engine, "adam@example.com", "far@elsewhere.example", "one"));
        Assert.Null(await SubmitAsync(engine, "adam@example.com", "far@elsewhere.example", "two"));
        // Relayed before the hold comes: a held mailbox's queued mail waits (the other test shows that), and the
        // count below must not depend on how fast the queue ran on a loaded machine.
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 2), "adam's two accepted messages relayed", 60_000);

        var third = await SubmitAsync(engine, "adam@example.com", "far@elsewhere.example", "three");
        Assert.NotNull(third);
        Assert.StartsWith("451", third);
        Assert.Contains("4.7.1", third);
        Assert.Contains("2 messages per hour", third);
        var hold = Assert.Single(await holds.ListAsync());
        Assert.Equal("adam@example.com", hold.Address);

        // Held: refused already at MAIL FROM, also for mail that would stay inside; another mailbox of the domain sends on.
        var fourth = await SubmitAsync(engine, "adam@example.com", "betty@example.com", "four");
        Assert.StartsWith("451", fourth);
        Assert.Contains("held", fourth);
        Assert.Null(await SubmitAsync(engine, "betty@example.com", "far@elsewhere.example", "from betty"));

        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 3), "the three accepted messages relayed", 60_000);
        Assert.DoesNotContain(relay.Accepted, a => a.Data.Contains("Subject: three"));

        Assert.True(await holds.ReleaseAsync("ADAM@example.com"));
        Assert.Empty(await holds.ListAsync());
        Assert.False(await holds.ReleaseAsync("adam@example.com"));
        Assert.Null(await SubmitAsync(engine, "adam@example.com", "far@elsewhere.example", "after release"));
    }

    [Fact]
    public async Task QueuedMailOfAHeldMailbox_WaitsInTheQueue_AndLeavesOnRelease()
    {
        await using var relay = new FakeSmtpRelay();
        // The relay defers everything at first, so adam's accepted mail is still queued when the hold comes.
        var accepting = false;
        relay.DataReply = _ => Volatile.Read(ref accepting) ? "250 2.0.0 accepted" : "451 4.3.0 try later";
        var settings = Settings(relay, ("RecipientsPerHourPerMailbox", "3"));
        settings["Mail:Queue:RetryDelay"] = "01:00:00"; // one deferred attempt, then nothing until the test asks
        await using var engine = await EngineHost.StartAsync(settings);
        await engine.CreateMailboxAsync("adam@example.com");
        var queue = engine.Services.GetRequiredService<OutboundQueue>();
        var holds = engine.Services.GetRequiredService<ISendingHolds>();

        Assert.Null(await SubmitAsync(engine, "adam@example.com", "one@elsewhere.example, two@elsewhere.example", "queued"));
        await SmtpTestKit.EventuallyAsync(async () => relay.DataAttempts == 1 && (await queue.ListAsync()).Single().Attempts == 1, "the first attempt deferred");
        // Two more outside recipients would make four: held, with the recipients limit named.
        var refused = await SubmitAsync(engine, "adam@example.com", "three@elsewhere.example, four@elsewhere.example", "too many");
        Assert.StartsWith("451", refused);
        Assert.Contains("3 outside recipients per hour", refused);
        var entry = Assert.Single(await queue.ListAsync());
        Assert.Equal("adam@example.com", entry.SubmittedBy);

        // The relay now accepts, and the entry is due: still it waits, because its sender is held.
        Volatile.Write(ref accepting, true);
        Assert.True(await queue.RetryNowAsync(entry.Id));
        // Generous for a loaded machine: without the hold the worker sends within milliseconds of the wake-up.
        await Task.Delay(1500);
        Assert.Equal(1, relay.DataAttempts);
        Assert.Single(await queue.ListAsync());

        Assert.True(await holds.ReleaseAsync("adam@example.com"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "the held mail relayed after the release");
        Assert.Empty(await queue.ListAsync());
    }

    [Fact]
    public async Task PastTheDomainLimit_EveryMailboxOfTheDomainGets451_NoneIsHeld_OtherDomainsSendOn()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(relay, ("MessagesPerHourPerDomain", "2")));
        await engine.CreateMailboxAsync("adam@example.com");
        await engine.CreateMailboxAsync("betty@example.com");
        await engine.CreateMailboxAsync("carl@example.com");
        await engine.CreateMailboxAsync("dora@other.example");

        Assert.Null(await SubmitAsync(engine, "adam@example.com", "far@elsewhere.example"));
        Assert.Null(await SubmitAsync(engine, "betty@example.com", "far@elsewhere.example"));
        var refused = await SubmitAsync(engine, "carl@example.com", "far@elsewhere.example");
        Assert.StartsWith("451", refused);
        Assert.Contains("4.7.1 domain example.com reached its sending limit of 2 messages per hour", refused);
        Assert.Empty(await engine.Services.GetRequiredService<ISendingHolds>().ListAsync());
        Assert.Null(await SubmitAsync(engine, "dora@other.example", "far@elsewhere.example"));
    }
}
