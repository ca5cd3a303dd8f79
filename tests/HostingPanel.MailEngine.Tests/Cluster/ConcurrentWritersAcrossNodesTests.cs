using System.Text;
using System.Text.RegularExpressions;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Reliability;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// Issue 24 item 2: writers on different mail nodes of one PostgreSQL database, into one folder at the same
/// moment. Each node has its own process memory (caches, reservations), so only what the database serialises
/// keeps UIDs unique (RFC 9051 section 2.3.1.1), MODSEQs growing (RFC 7162 section 3.1) and the quota exact.
/// </summary>
public sealed partial class ConcurrentWritersAcrossNodesTests
{
    private const int ClientsPerNode = 4;

    [Fact]
    public async Task AppendsOnTwoNodesAtOnce_GetDistinctUids_AndModseqs_AndBothNodesSeeTheSameFolder()
    {
        const int perClient = 10;
        await using var cluster = await ClusterNodes.StartAsync(joined: 1);
        var nodes = new[] { cluster.Owner, cluster.Joined[0] };
        const string address = "many@example.com";
        await cluster.Owner.CreateMailboxAsync(address);

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writers = Enumerable.Range(0, nodes.Length * ClientsPerNode).Select(i => Task.Run(async () =>
        {
            await using var wire = await ImapWire.ConnectAsync(nodes[i % nodes.Length].ImapPort);
            Assert.StartsWith("l OK", (await wire.CommandAsync($"l LOGIN {address} \"{EngineHost.Password}\"")).Last());
            await go.Task;
            var uids = new List<uint>();
            for (var n = 0; n < perClient; n++)
            {
                var reply = await ReliabilityWire.ImapAppendAsync(wire, "a", "INBOX", ReliabilityWire.Message($"writer {i} message {n}"));
                var appendUid = AppendUid().Match(reply);
                Assert.True(appendUid.Success, $"writer {i}: {reply}");
                uids.Add(uint.Parse(appendUid.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            }
            return uids;
        })).ToList();
        go.SetResult();
        var acknowledged = (await Task.WhenAll(writers)).SelectMany(u => u).ToList();

        var total = nodes.Length * ClientsPerNode * perClient;
        Assert.Equal(total, acknowledged.Distinct().Count());

        // Each node reads the folder back: the same UIDs, each with its own MODSEQ, none above HIGHESTMODSEQ.
        var views = new List<List<(uint Uid, ulong Modseq)>>();
        foreach (var node in nodes)
        {
            await using var reader = await ImapWire.ConnectAsync(node.ImapPort);
            Assert.StartsWith("l OK", (await reader.CommandAsync($"l LOGIN {address} \"{EngineHost.Password}\"")).Last());
            var select = await reader.CommandAsync("s SELECT INBOX (CONDSTORE)");
            Assert.StartsWith("s OK", select.Last());
            var highest = ulong.Parse(HighestModseq().Match(string.Join("\n", select)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var uidNext = uint.Parse(UidNext().Match(string.Join("\n", select)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var fetched = (await reader.CommandAsync("f UID FETCH 1:* (UID MODSEQ)"))
                .Select(line => FetchedUidModseq().Match(line)).Where(m => m.Success)
                .Select(m => (uint.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
                .OrderBy(x => x.Item1).ToList();
            Assert.Equal(acknowledged.Order(), fetched.Select(f => f.Item1));
            Assert.Equal(total, fetched.Select(f => f.Item2).Distinct().Count());
            Assert.True(fetched.Max(f => f.Item2) <= highest, $"a MODSEQ above HIGHESTMODSEQ {highest}");
            Assert.True(uidNext > acknowledged.Max(), $"UIDNEXT {uidNext} is not past the highest UID {acknowledged.Max()}");
            views.Add(fetched);
        }
        Assert.Equal(views[0], views[1]);
    }

    [Fact]
    public async Task AppendsOnTwoNodesIntoAMailboxWithRoomForK_StoreExactlyK_NeverPastQuota()
    {
        await using var cluster = await ClusterNodes.StartAsync(joined: 1);
        var nodes = new[] { cluster.Owner, cluster.Joined[0] };
        const string address = "tight@example.com";
        var message = ReliabilityWire.Message("same size for every writer");
        long size = Encoding.UTF8.GetByteCount(message);
        const int room = 5;
        const int racers = 16;
        var account = await cluster.Owner.CreateMailboxAsync(address, quotaBytes: room * size + size - 1);

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new CountdownEvent(racers);
        var replies = Enumerable.Range(0, racers).Select(i => Task.Run(async () =>
        {
            await using var wire = await ImapWire.ConnectAsync(nodes[i % nodes.Length].ImapPort);
            var login = (await wire.CommandAsync($"l LOGIN {address} \"{EngineHost.Password}\"")).Last();
            ready.Signal();
            await go.Task;
            Assert.StartsWith("l OK", login);
            return await ReliabilityWire.ImapAppendAsync(wire, "a", "INBOX", message);
        })).ToList();
        await Task.Run(() => ready.Wait(TimeSpan.FromSeconds(60)));
        go.SetResult();
        var answers = await Task.WhenAll(replies);

        var wrong = answers.Where(a => !a.StartsWith("a OK", StringComparison.Ordinal) && !a.StartsWith("a NO [OVERQUOTA]", StringComparison.Ordinal)).ToList();
        Assert.True(wrong.Count == 0, "neither success nor the quota reply: " + string.Join(" | ", wrong));
        Assert.Equal(room, answers.Count(a => a.StartsWith("a OK", StringComparison.Ordinal)));
        foreach (var node in nodes)
        {
            var usage = await node.Store.GetQuotaAsync(account.Id);
            Assert.NotNull(usage);
            Assert.Equal(room, usage.MessageCount);
            Assert.Equal(room * size, usage.UsedBytes);
        }
        Assert.Equal(room, (await cluster.Owner.Store.ListMessagesAsync((await cluster.Owner.InboxAsync(account)).Id)).Count);
    }

    [GeneratedRegex(@"\[APPENDUID \d+ (\d+)\]")]
    private static partial Regex AppendUid();

    [GeneratedRegex(@"HIGHESTMODSEQ (\d+)")]
    private static partial Regex HighestModseq();

    [GeneratedRegex(@"UIDNEXT (\d+)")]
    private static partial Regex UidNext();

    [GeneratedRegex(@"^\* \d+ FETCH \((?=.*UID (\d+))(?=.*MODSEQ \((\d+)\))")]
    private static partial Regex FetchedUidModseq();
}
