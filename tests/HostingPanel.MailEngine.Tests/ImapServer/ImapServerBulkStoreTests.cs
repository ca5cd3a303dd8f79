using System.Text.RegularExpressions;
using HostingPanel.MailEngine.Delivery;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// STORE over more messages than one store query reads (500), with messages whose flags end up
/// different ("mark all as read" on a folder where some are flagged), and CONDSTORE refusing the one
/// message another session changed meanwhile.
/// </summary>
public sealed partial class ImapServerBulkStoreTests
{
    [Fact]
    public async Task StoreOnEveryMessage_OfALargeFolder_GivesEachItsOwnFlags_AndUnchangedSinceSparesTheModifiedOne()
    {
        const int Count = 1_100;
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("bulk@example.com");
        for (var i = 1; i <= Count; i++)
            Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, EngineHost.Message($"m{i}"))).Status);

        await using var wire = await ImapServerClients.WireAsync(engine, "bulk@example.com");
        Assert.Contains(" OK ", (await wire.CommandAsync("a ENABLE CONDSTORE"))[^1]);
        Assert.Contains(" OK ", (await wire.CommandAsync("b SELECT INBOX"))[^1]);
        Assert.Contains(" OK ", (await wire.CommandAsync("c UID STORE 1:300 +FLAGS.SILENT (\\Flagged)"))[^1]);

        var marked = await wire.CommandAsync("d UID STORE 1:* +FLAGS ($Work \\Seen)");
        Assert.Contains(" OK ", marked[^1]);
        var after = Fetched(marked);
        Assert.Equal(Count, after.Count);
        Assert.All(Enumerable.Range(1, Count), uid =>
            Assert.Equal(uid <= 300 ? "$Work \\Flagged \\Seen" : "$Work \\Seen", after[(uint)uid].Flags));
        // One STORE, one new MODSEQ for every message it changed.
        Assert.Single(after.Values.Select(f => f.ModSeq).Distinct());
        var storedAt = after[1].ModSeq;

        // Another session changes message 700; removing $Work everywhere "unless changed since" spares it.
        await using (var other = await ImapServerClients.WireAsync(engine, "bulk@example.com"))
        {
            Assert.Contains(" OK ", (await other.CommandAsync("o1 SELECT INBOX"))[^1]);
            Assert.Contains(" OK ", (await other.CommandAsync("o2 UID STORE 700 +FLAGS.SILENT (\\Answered)"))[^1]);
        }

        var conditional = await wire.CommandAsync($"e UID STORE 1:* (UNCHANGEDSINCE {storedAt}) -FLAGS.SILENT ($Work)");
        Assert.Matches(@"^e OK \[MODIFIED 700\]", conditional[^1]);

        await using var fresh = await ImapServerClients.WireAsync(engine, "bulk@example.com");
        Assert.Contains(" OK ", (await fresh.CommandAsync("f1 SELECT INBOX"))[^1]);
        var final = Fetched(await fresh.CommandAsync("f2 UID FETCH 1:* (FLAGS)"));
        Assert.Equal(Count, final.Count);
        Assert.All(Enumerable.Range(1, Count), uid => Assert.Equal(
            uid == 700 ? "$Work \\Answered \\Seen" : uid <= 300 ? "\\Flagged \\Seen" : "\\Seen",
            final[(uint)uid].Flags));
    }

    /// <summary>UID → (flags in a stable order without \Recent, MODSEQ or 0) from FETCH lines.</summary>
    private static Dictionary<uint, (string Flags, ulong ModSeq)> Fetched(List<string> lines)
    {
        var result = new Dictionary<uint, (string, ulong)>();
        foreach (var line in lines)
        {
            var match = FetchLine().Match(line);
            if (!match.Success)
                continue;
            var flags = match.Groups["flags"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(f => f != "\\Recent").Order(StringComparer.Ordinal);
            var modseq = match.Groups["modseq"].Success ? ulong.Parse(match.Groups["modseq"].Value) : 0;
            result[uint.Parse(match.Groups["uid"].Value)] = (string.Join(' ', flags), modseq);
        }
        return result;
    }

    [GeneratedRegex(@"^\* \d+ FETCH \((?=.*UID (?<uid>\d+))(?=.*FLAGS \((?<flags>[^)]*)\))(?:(?=.*MODSEQ \((?<modseq>\d+)\)))?.*\)$")]
    private static partial Regex FetchLine();
}
