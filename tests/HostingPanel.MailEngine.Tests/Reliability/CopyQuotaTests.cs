using HostingPanel.MailEngine.Tests.ImapServer;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 6, COPY (Apache James PR #911 class: copies not charged): every copy costs the
/// message's size in the quota, a COPY that does not fit answers NO [OVERQUOTA] and copies nothing,
/// and concurrent COPYs from many sessions never push usage past the quota.
/// </summary>
public sealed class CopyQuotaTests
{
    [Fact]
    public async Task Copy_ToSeveralFolders_IsChargedPerCopy_AndACopyThatDoesNotFit_IsRefusedWithOverQuota()
    {
        await using var engine = await EngineHost.StartAsync();
        var message = ReliabilityWire.Message("copied", 3_000);
        var size = message.Length;
        // Room for four copies of the message, not five.
        var account = await engine.CreateMailboxAsync("copier@example.com", quotaBytes: 5L * size - 1);
        await using var wire = await ImapServerClients.WireAsync(engine, "copier@example.com");
        Assert.StartsWith("a OK", await ReliabilityWire.ImapAppendAsync(wire, "a", "INBOX", message));
        Assert.Contains("* 1 EXISTS", await wire.CommandAsync("s SELECT INBOX"));
        Assert.Equal(size, (await StoreAudit.AssertConsistentAsync(engine, account)).QuotaUsed);

        var expected = (long)size;
        foreach (var folder in new[] { "Archive", "Drafts", "Junk" })
        {
            Assert.StartsWith($"c{folder} OK", (await wire.CommandAsync($"c{folder} COPY 1 {folder}")).Last());
            expected += size;
            var audit = await StoreAudit.AssertConsistentAsync(engine, account);
            Assert.Equal(expected, audit.QuotaUsed);
            Assert.Contains(await wire.CommandAsync("q GETQUOTAROOT INBOX"), l => l.StartsWith("* QUOTA ", StringComparison.Ordinal) && l.Contains($"STORAGE {(expected + 1023) / 1024} "));
        }

        // The fifth copy does not fit: refused, nothing copied, usage unchanged. (Not into Trash: a copy there
        // is how mail programs delete, and a full mailbox may overdraw a little for it; see FullMailboxTests.)
        var refused = (await wire.CommandAsync("x COPY 1 Sent")).Last();
        Assert.StartsWith("x NO [OVERQUOTA]", refused);
        Assert.Contains("* STATUS Sent (MESSAGES 0)", await wire.CommandAsync("st STATUS Sent (MESSAGES)"));
        Assert.Equal(expected, (await StoreAudit.AssertConsistentAsync(engine, account)).QuotaUsed);

        // A MOVE stays inside the mailbox: not charged again.
        Assert.StartsWith("m OK", (await wire.CommandAsync("m MOVE 1 Sent")).Last());
        Assert.Equal(expected, (await StoreAudit.AssertConsistentAsync(engine, account)).QuotaUsed);
    }

    [Fact]
    public async Task ConcurrentCopies_FromTwentySessions_StoreExactlyTheCopiesThatFit()
    {
        await using var engine = await EngineHost.StartAsync();
        var message = ReliabilityWire.Message("raced copy", 2_000);
        var size = message.Length;
        const int Sessions = 20;
        var random = new Random(20261207); // the same rooms on every run
        for (var trial = 0; trial < 5; trial++)
        {
            var k = random.Next(0, Sessions);
            var address = $"c{trial}@example.com";
            var account = await engine.CreateMailboxAsync(address, quotaBytes: (k + 1L) * size + size - 1);
            var wires = new List<ImapWire>();
            try
            {
                for (var i = 0; i < Sessions; i++)
                {
                    var wire = await ImapServerClients.WireAsync(engine, address);
                    wires.Add(wire);
                    if (i == 0)
                        Assert.StartsWith("a OK", await ReliabilityWire.ImapAppendAsync(wire, "a", "INBOX", message));
                    Assert.StartsWith($"f OK", (await wire.CommandAsync($"f CREATE Copies{i}")).Last());
                    Assert.Contains("* 1 EXISTS", await wire.CommandAsync("s SELECT INBOX"));
                }
                var replies = await Task.WhenAll(wires.Select((w, i) => Task.Run(async () => (await w.CommandAsync($"c COPY 1 Copies{i}")).Last())));
                Assert.Equal(k, replies.Count(r => r.StartsWith("c OK", StringComparison.Ordinal)));
                Assert.All(replies.Where(r => !r.StartsWith("c OK", StringComparison.Ordinal)), r => Assert.StartsWith("c NO [OVERQUOTA]", r));
                var audit = await StoreAudit.AssertConsistentAsync(engine, account, onlyMailbox: false);
                Assert.Equal(k + 1, audit.Messages);
            }
            finally
            {
                foreach (var wire in wires)
                    await wire.DisposeAsync();
            }
        }
    }
}
