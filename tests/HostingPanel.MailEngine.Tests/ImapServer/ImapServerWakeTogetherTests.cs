using System.Text.RegularExpressions;
using HostingPanel.MailEngine.Delivery;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// Many sessions on one folder woken by the same changes share one read of the folder row and one
/// rebuilt message list; each must still end up with exactly the folder's state, never an older one.
/// </summary>
public sealed partial class ImapServerWakeTogetherTests
{
    [Fact]
    public async Task TwentyIdlers_UnderABurstOfDeliveriesFlagsAndExpunges_AllEndWithTheFolderAsItIs()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("crowd@example.com");
        for (var i = 0; i < 5; i++)
            Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, EngineHost.Message($"before {i}"))).Status);

        var idlers = new List<ImapWire>();
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var wire = await ImapServerClients.WireAsync(engine, "crowd@example.com");
                idlers.Add(wire);
                Assert.Contains(" OK ", (await wire.CommandAsync("s SELECT INBOX"))[^1]);
                await wire.SendAsync("i IDLE\r\n");
                Assert.StartsWith("+", await wire.ReadLineAsync());
            }

            // A burst: deliveries back to back while another session flags and expunges, so sessions
            // wake while the folder is still changing and join reads that are already under way.
            await using var writer = await ImapServerClients.WireAsync(engine, "crowd@example.com");
            Assert.Contains(" OK ", (await writer.CommandAsync("w1 SELECT INBOX"))[^1]);
            var deliveries = Task.Run(async () =>
            {
                for (var i = 0; i < 15; i++)
                    Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, EngineHost.Message($"burst {i}"))).Status);
            });
            Assert.Contains(" OK ", (await writer.CommandAsync("w2 UID STORE 2,4 +FLAGS (\\Flagged)"))[^1]);
            Assert.Contains(" OK ", (await writer.CommandAsync("w3 UID STORE 1 +FLAGS (\\Deleted)"))[^1]);
            Assert.Contains(" OK ", (await writer.CommandAsync("w4 EXPUNGE"))[^1]);
            await deliveries;
            Assert.Contains(" OK ", (await writer.CommandAsync("w5 UID STORE 3 +FLAGS (\\Seen)"))[^1]);

            // The truth: what a fresh session sees once everything is committed.
            await using var fresh = await ImapServerClients.WireAsync(engine, "crowd@example.com");
            Assert.Contains(" OK ", (await fresh.CommandAsync("f1 SELECT INBOX"))[^1]);
            var truth = Flags(await fresh.CommandAsync("f2 UID FETCH 1:* (FLAGS)"));
            Assert.Equal(19, truth.Count); // 5 + 15 delivered, 1 expunged
            Assert.Contains(@"\Flagged", truth[2]);
            Assert.Contains(@"\Seen", truth[3]);

            foreach (var wire in idlers)
            {
                await wire.SendAsync("DONE\r\n");
                Assert.Contains(" OK ", (await wire.ReadUntilTaggedAsync("i"))[^1]);
                Assert.Contains(" OK ", (await wire.CommandAsync("n NOOP"))[^1]);
                Assert.Equal(truth, Flags(await wire.CommandAsync("g UID FETCH 1:* (FLAGS)")));
            }
        }
        finally
        {
            foreach (var wire in idlers)
                await wire.DisposeAsync();
        }
    }

    /// <summary>UID → flags from FETCH lines, in a stable order and without the per-session \Recent.</summary>
    private static Dictionary<uint, string> Flags(List<string> lines)
    {
        Assert.Contains(" OK ", lines[^1]);
        var result = new Dictionary<uint, string>();
        foreach (var line in lines)
        {
            var match = FetchLine().Match(line);
            if (match.Success)
                result[uint.Parse(match.Groups["uid"].Value)] = string.Join(' ', match.Groups["flags"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(f => f != @"\Recent").Order(StringComparer.Ordinal)); // \Recent belongs to one session only
        }
        return result;
    }

    [GeneratedRegex(@"^\* \d+ FETCH \((?=.*UID (?<uid>\d+))(?=.*FLAGS \((?<flags>[^)]*)\)).*\)$")]
    private static partial Regex FetchLine();
}
