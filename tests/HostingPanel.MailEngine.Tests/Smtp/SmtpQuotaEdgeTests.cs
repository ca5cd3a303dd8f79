using HostingPanel.MailEngine.Admin;
using MailKit.Net.Smtp;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Issue 7: concurrent deliveries over SMTP into one mailbox at its quota edge. Every 250 is a stored
/// copy, every stored copy had its 250, and the quota is never exceeded (the store's single atomic
/// reserve, reached through the SMTP session). Quick: one round of concurrent clients per provider.
/// </summary>
public sealed class SmtpQuotaEdgeTests
{
    private const int Clients = 12;
    private const int Room = 3;
    private const int BodyBytes = 10_000;

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task ConcurrentSenders_IntoRoomForThree_AcceptedEqualsStored_QuotaNeverExceeded(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        // Room for three messages and half of a fourth: the added Return-Path and Received headers (a few
        // hundred bytes) cannot make a fourth fit or a third not fit.
        var quota = Room * BodyBytes + BodyBytes / 2;
        var edge = await engine.CreateMailboxAsync("edge@example.com", quotaBytes: quota);

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var senders = Enumerable.Range(0, Clients).Select(i => Task.Run(async () =>
        {
            using var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort);
            await start.Task;
            try
            {
                await client.SendAsync(SmtpTestKit.Message($"sender{i}@example.org", "edge@example.com", $"race {i}", new string('q', BodyBytes)));
                return "250";
            }
            catch (SmtpCommandException e)
            {
                // 452 4.2.2 at RCPT when the mailbox is already full; 552 5.2.2 after DATA when this one no longer fits.
                return $"{(int)e.StatusCode} {e.Message}";
            }
            finally
            {
                await client.DisconnectAsync(true);
            }
        })).ToList();
        start.SetResult();
        var outcomes = await Task.WhenAll(senders);

        var accepted = outcomes.Count(o => o == "250");
        var refused = outcomes.Where(o => o != "250").ToList();
        Assert.All(refused, o => Assert.True(o.StartsWith("452 4.2.2") || o.StartsWith("552 5.2.2"), o));

        var stored = await SmtpTestKit.InboxAsync(engine, edge);
        var usage = (await engine.Store.GetQuotaAsync(edge.Id))!;
        Assert.Equal(accepted, stored.Count);
        Assert.Equal(Room, accepted);
        Assert.True(usage.UsedBytes <= quota, $"used {usage.UsedBytes} of {quota}");
        Assert.Equal(stored.Sum(m => (long)System.Text.Encoding.UTF8.GetByteCount(m)), usage.UsedBytes);

        // At the edge now: one more such message does not fit (552 5.2.2 after DATA), and nothing more is stored.
        await using var raw = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.CommandAsync("EHLO client.example");
        await raw.CommandAsync("MAIL FROM:<late@example.org>");
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<edge@example.com>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        Assert.StartsWith("552 5.2.2", await raw.CommandAsync("Subject: late\r\n\r\n" + new string('q', BodyBytes) + "\r\n."));
        Assert.Equal(Room, (await SmtpTestKit.InboxAsync(engine, edge)).Count);
    }
}
