using System.Diagnostics;
using System.Text;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Smtp;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 6, quota races through the real listeners: each trial gives a fresh mailbox room for
/// exactly k messages (k random, 0 to 19), opens 20 connections, brings each to the last step (SMTP:
/// after DATA's 354; IMAP: logged in) and releases them at once. Exactly k must be acknowledged and
/// stored, the rest refused with the quota reply (SMTP 452 4.2.2 at RCPT or 552 5.2.2 after DATA, IMAP
/// NO [OVERQUOTA]), and usage never passes the quota. HOSTINGPANEL_QUOTA_TRIALS sets the trials per
/// test (default 20); bench/quota-race.sh runs the long mode (200).
/// </summary>
public sealed class QuotaRaceTests
{
    private const int Concurrency = 20;

    public enum Writers { Smtp, Imap, Mixed }

    [Theory]
    [InlineData(Writers.Smtp)]
    [InlineData(Writers.Imap)]
    [InlineData(Writers.Mixed)]
    public async Task ConcurrentWriters_IntoMailboxWithRoomForK_StoreExactlyK_NeverPastQuota(Writers writers)
    {
        var trials = int.TryParse(Environment.GetEnvironmentVariable("HOSTINGPANEL_QUOTA_TRIALS"), out var t) ? t : 20;
        await using var engine = await EngineHost.StartAsync();
        var size = await StoredSizeOfSmtpMessageAsync(engine);
        var accounts = new List<MailboxAccount>();
        long acknowledged = 0, refused = 0;
        var clock = Stopwatch.StartNew();
        var random = new Random(20261207); // the same rooms on every run
        for (var trial = 0; trial < trials; trial++)
        {
            var k = random.Next(0, Concurrency);
            // As long as the probe's address: the Received header names the recipient, and every copy must cost the same.
            var address = $"r{trial:D4}@example.com";
            // Room for k messages of this size and not one byte more than k + 1 would need, minus one.
            var account = await engine.CreateMailboxAsync(address, quotaBytes: k * size + size - 1);
            accounts.Add(account);
            var replies = await RaceAsync(engine, address, writers, size);
            var ok = replies.Count(r => r.Ok);
            var bad = replies.Where(r => !r.Ok && !r.QuotaReply).Select(r => r.Text).ToList();
            Assert.True(bad.Count == 0, $"trial {trial}: answers that are neither success nor the quota reply: {string.Join(" | ", bad.Take(3))}");
            Assert.True(ok == k, $"trial {trial}: {ok} acknowledged, room for {k}");
            var audit = await StoreAudit.AssertConsistentAsync(engine, account, onlyMailbox: false);
            Assert.Equal(k, audit.Messages);
            Assert.Equal(k * size, audit.Bytes);
            acknowledged += ok;
            refused += replies.Count - ok;
        }
        // Refused deliveries left no body behind.
        StoreAudit.AssertNoStrayFiles(engine, await StoreAudit.BodiesOfAsync(engine, accounts.Prepend((await engine.Directory.FindMailboxAsync("probe@example.com"))!)));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"QUOTA-RESULT writers={writers} trials={trials} concurrency={Concurrency} acknowledged={acknowledged} refused={refused} over_quota=0 wrong_count=0 seconds={clock.Elapsed.TotalSeconds:F1}");
    }

    private sealed record Reply(bool Ok, bool QuotaReply, string Text);

    private static async Task<List<Reply>> RaceAsync(EngineHost engine, string address, Writers writers, long size)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new CountdownEvent(Concurrency);
        var tasks = Enumerable.Range(0, Concurrency).Select(i =>
        {
            var smtp = writers == Writers.Smtp || writers == Writers.Mixed && i % 2 == 0;
            return Task.Run(() => smtp ? SmtpOneAsync(engine, address, i, ready, go.Task) : ImapOneAsync(engine, address, i, size, ready, go.Task));
        }).ToList();
        await Task.Run(() => ready.Wait(TimeSpan.FromSeconds(60)));
        go.SetResult();
        return [.. await Task.WhenAll(tasks)];
    }

    private static async Task<Reply> SmtpOneAsync(EngineHost engine, string address, int i, CountdownEvent ready, Task go)
    {
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        // The probe's EHLO name and sender (ReliabilityWire), so the trace headers have the same length.
        await c.CommandAsync("EHLO reliability.example");
        await c.CommandAsync("MAIL FROM:<sender@example.org>");
        var rcpt = await c.CommandAsync($"RCPT TO:<{address}>") ?? "closed";
        if (!rcpt.StartsWith("250", StringComparison.Ordinal))
        {
            // Full before this client got here: the RCPT-time quota reply.
            ready.Signal();
            return new Reply(false, rcpt.StartsWith("452 4.2.2", StringComparison.Ordinal), rcpt);
        }
        var data = await c.CommandAsync("DATA") ?? "closed";
        ready.Signal();
        await go;
        if (!data.StartsWith("354", StringComparison.Ordinal))
            return new Reply(false, false, data);
        await c.WriteAsync(Template(i) + ".\r\n");
        var reply = await c.ReadReplyAsync(60_000) ?? "closed";
        return new Reply(reply.StartsWith("250 ", StringComparison.Ordinal), reply.StartsWith("552 5.2.2", StringComparison.Ordinal), reply);
    }

    private static async Task<Reply> ImapOneAsync(EngineHost engine, string address, int i, long size, CountdownEvent ready, Task go)
    {
        await using var wire = await ImapWire.ConnectAsync(engine.ImapPort);
        var login = (await wire.CommandAsync($"l LOGIN {address} \"{EngineHost.Password}\"")).Last();
        ready.Signal();
        await go;
        if (!login.StartsWith("l OK", StringComparison.Ordinal))
            return new Reply(false, false, login);
        var message = Template(i);
        // The same stored size as an SMTP delivery, whose trace headers the server adds: padded here.
        var pad = (int)(size - Encoding.ASCII.GetByteCount(message));
        message = "X-Pad: " + new string('p', pad - 9) + "\r\n" + message;
        var reply = await ReliabilityWire.ImapAppendAsync(wire, "r", "INBOX", message);
        return new Reply(reply.StartsWith("r OK", StringComparison.Ordinal), reply.StartsWith("r NO [OVERQUOTA]", StringComparison.Ordinal), reply);
    }

    /// <summary>Every racer's message has the same length (a fixed-width number).</summary>
    private static string Template(int i) =>
        $"From: racer@example.org\r\nTo: someone@example.com\r\nSubject: race {i:D4}\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 30));

    /// <summary>What one SMTP delivery of <see cref="Template"/> costs in the store, measured on a probe mailbox.</summary>
    private static async Task<long> StoredSizeOfSmtpMessageAsync(EngineHost engine)
    {
        var probe = await engine.CreateMailboxAsync("probe@example.com");
        Assert.StartsWith("250 ", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "probe@example.com", Template(0)));
        var stored = Assert.Single(await engine.Store.ListMessagesAsync((await engine.InboxAsync(probe)).Id));
        return stored.Size;
    }
}
