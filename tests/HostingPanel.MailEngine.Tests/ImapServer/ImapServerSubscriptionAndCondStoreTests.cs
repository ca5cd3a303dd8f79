namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// Subscriptions kept apart from the folders (RFC 9051 6.3.7-8, LSUB of RFC 3501 6.3.9, LIST-EXTENDED's
/// \NonExistent and RECURSIVEMATCH/CHILDINFO of RFC 5258), and CONDSTORE's details (RFC 7162): the
/// classes of imaptest's subscribe, listext and esearch-condstore groups.
/// </summary>
public sealed class ImapServerSubscriptionAndCondStoreTests
{
    private const string User = "subs@example.com";

    [Fact]
    public async Task Rfc9051_SubscriptionsAreNames_CreateDoesNotSubscribe_DeleteKeepsIt()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(User);
        await using var wire = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("a OK", (await wire.CommandAsync("a CREATE box/test6"))[^1]);
        Assert.StartsWith("b OK", (await wire.CommandAsync("b CREATE box/plain"))[^1]);
        Assert.StartsWith("c OK", (await wire.CommandAsync("c SUBSCRIBE box/test6"))[^1]);
        Assert.StartsWith("d OK", (await wire.CommandAsync("d SUBSCRIBE box/later"))[^1]);
        Assert.StartsWith("e OK", (await wire.CommandAsync("e DELETE box/test6"))[^1]);

        var subscribed = await wire.CommandAsync("f LIST (SUBSCRIBED) \"\" box/*");
        Assert.Contains("* LIST (\\NonExistent \\Subscribed) \"/\" box/test6", subscribed);
        Assert.Contains("* LIST (\\NonExistent \\Subscribed) \"/\" box/later", subscribed);
        Assert.DoesNotContain(subscribed, l => l.Contains("box/plain", StringComparison.Ordinal));

        // The default folders start subscribed; a created one does not.
        var all = await wire.CommandAsync("g LIST \"\" * RETURN (SUBSCRIBED)");
        Assert.Contains(all, l => l.EndsWith(" Sent", StringComparison.Ordinal) && l.Contains("\\Subscribed", StringComparison.Ordinal));
        Assert.Contains(all, l => l.EndsWith(" box/plain", StringComparison.Ordinal) && !l.Contains("\\Subscribed", StringComparison.Ordinal));

        Assert.StartsWith("h OK", (await wire.CommandAsync("h UNSUBSCRIBE box/later"))[^1]);
        Assert.DoesNotContain(await wire.CommandAsync("i LSUB \"\" box/*"), l => l.Contains("box/later", StringComparison.Ordinal));
        Assert.StartsWith("j OK", (await wire.CommandAsync("j UNSUBSCRIBE box/later"))[^1]); // idempotent, as in Dovecot
    }

    [Fact]
    public async Task Rfc3501_Lsub_ShowsUnsubscribedParentsOfWhatPercentCannotReach_AsNoselect()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(User);
        await using var wire = await ImapServerClients.WireAsync(engine, User);
        foreach (var name in new[] { "m/test", "m/test2/test", "m/test3/test3" })
            Assert.StartsWith("c OK", (await wire.CommandAsync($"c CREATE {name}"))[^1]);
        foreach (var name in new[] { "m/test", "m/test2/test", "m/test3/test3" })
            Assert.StartsWith("s OK", (await wire.CommandAsync($"s SUBSCRIBE {name}"))[^1]);

        var lsub = await wire.CommandAsync("a LSUB \"\" m/%");
        Assert.Contains("* LSUB () \"/\" m/test", lsub);
        Assert.Contains("* LSUB (\\Noselect) \"/\" m/test2", lsub);
        Assert.Contains("* LSUB (\\Noselect) \"/\" m/test3", lsub);
        Assert.Equal(4, lsub.Count);
    }

    [Fact]
    public async Task Rfc5258_RecursiveMatch_GivesChildInfo_OnlyForDescendantsNoPatternReaches()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(User);
        await using var wire = await ImapServerClients.WireAsync(engine, User);
        foreach (var name in new[] { "m/test2/test1", "m/test7/test7", "m/test8/test8", "m/test8/test9" })
            Assert.StartsWith("c OK", (await wire.CommandAsync($"c CREATE {name}"))[^1]);
        foreach (var name in new[] { "m/test2/test1", "m/test7/test7", "m/test8/test8", "m/test8/test9" })
            Assert.StartsWith("s OK", (await wire.CommandAsync($"s SUBSCRIBE {name}"))[^1]);

        var test2 = await wire.CommandAsync("a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" m/test2% RETURN (CHILDREN)");
        Assert.Equal(["* LIST (\\HasChildren) \"/\" m/test2 (CHILDINFO (\"SUBSCRIBED\"))", "a OK LIST completed."], test2);

        // test7's only subscribed child matches the pattern itself: no CHILDINFO line for test7.
        var test7 = await wire.CommandAsync("b LIST (SUBSCRIBED RECURSIVEMATCH) \"\" m*test7");
        Assert.Equal(["* LIST (\\HasNoChildren \\Subscribed) \"/\" m/test7/test7", "b OK LIST completed."], test7);

        // test8/test9 is out of the pattern's reach: test8 comes with CHILDINFO.
        var test8 = await wire.CommandAsync("c LIST (SUBSCRIBED RECURSIVEMATCH) \"\" m*test8");
        Assert.Contains("* LIST (\\HasChildren) \"/\" m/test8 (CHILDINFO (\"SUBSCRIBED\"))", test8);
        Assert.Contains("* LIST (\\HasNoChildren \\Subscribed) \"/\" m/test8/test8", test8);
    }

    [Fact]
    public async Task Rfc7162_FetchModseq_EnablesCondStore_WithHighestModseq_ThenStoreAndEsearchReportModseqs()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        for (var i = 1; i <= 3; i++)
            await engine.DeliverAsync(account, EngineHost.Message($"m{i}"));
        await using var wire = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("a OK", (await wire.CommandAsync("a SELECT INBOX"))[^1]);

        // RFC 7162 3.1: FETCH MODSEQ is a CONDSTORE-enabling command; the mailbox's HIGHESTMODSEQ is told at once.
        var fetch = await wire.CommandAsync("b FETCH 1 MODSEQ");
        Assert.Matches(@"^\* OK \[HIGHESTMODSEQ \d+\]", fetch[0]);

        var modseqs = new Dictionary<int, ulong>();
        foreach (var n in new[] { 1, 3, 2 })
        {
            var store = await wire.CommandAsync($"s STORE {n} +FLAGS (\\Seen)");
            var line = Assert.Single(store, l => l.StartsWith($"* {n} FETCH", StringComparison.Ordinal));
            modseqs[n] = ulong.Parse(System.Text.RegularExpressions.Regex.Match(line, @"MODSEQ \((\d+)\)").Groups[1].Value);
        }

        // RFC 4731/7162: MIN alone is the first match's MODSEQ, MAX alone the last's; ALL the highest of all.
        Assert.Contains($"* ESEARCH (TAG \"c\") MIN 1 MODSEQ {modseqs[1]}", await wire.CommandAsync("c SEARCH RETURN (MIN) 1:3 MODSEQ \"/flags/\\\\seen\" all 1"));
        Assert.Contains($"* ESEARCH (TAG \"d\") MAX 3 MODSEQ {modseqs[3]}", await wire.CommandAsync("d SEARCH RETURN (MAX) 1:3 MODSEQ \"/flags/\\\\seen\" all 1"));
        Assert.Contains($"* ESEARCH (TAG \"e\") ALL 1:3 MODSEQ {modseqs[2]}", await wire.CommandAsync("e SEARCH RETURN (ALL) 1:3 MODSEQ \"/flags/\\\\seen\" all 1"));
        Assert.Contains($"* ESEARCH (TAG \"f\") MIN 1 MAX 3 MODSEQ {Math.Max(modseqs[1], modseqs[3])}",
            await wire.CommandAsync("f SEARCH RETURN (MIN MAX) 1:3 MODSEQ \"/flags/\\\\seen\" all 1"));
    }
}
