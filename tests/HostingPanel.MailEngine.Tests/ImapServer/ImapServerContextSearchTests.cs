namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// CONTEXT=SEARCH (RFC 5267 section 4) against the engine's listener: a live search result that follows flag
/// changes and expunges from this and other sessions, CANCELUPDATE, and PARTIAL pages of a result.
/// </summary>
public sealed class ImapServerContextSearchTests
{
    private static async Task<(EngineHost Engine, ImapWire Wire)> StartAsync(string user, int messages)
    {
        var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(user);
        for (var i = 1; i <= messages; i++)
        {
            await engine.DeliverAsync(account, $"From: a@example.com\r\nSubject: m{i}\r\n\r\nbody {i}\r\n");
        }

        var wire = await ImapServerClients.WireAsync(engine, user);
        await wire.CommandAsync("s SELECT INBOX");
        return (engine, wire);
    }

    [Fact]
    public async Task Rfc5267_ReturnUpdate_TellsAddToAndRemoveFrom_ForOwnAndOthersChanges_UntilCancelUpdate()
    {
        var (engine, wire) = await StartAsync("live@example.com", 4);
        await using var _ = engine;
        await using var __ = wire;
        Assert.Contains(await wire.CommandAsync("c CAPABILITY"), l => l.Contains(" CONTEXT=SEARCH"));

        var first = await wire.CommandAsync("u1 SEARCH RETURN (UPDATE) SEEN");
        Assert.Contains("* ESEARCH (TAG \"u1\")", first);
        Assert.StartsWith("u1 OK", first.Last());

        // This session's own STORE.
        Assert.Contains("* ESEARCH (TAG \"u1\") ADDTO (0 1,3)", await wire.CommandAsync("t1 STORE 1,3 +FLAGS (\\Seen)"));
        Assert.Contains("* ESEARCH (TAG \"u1\") REMOVEFROM (0 1)", await wire.CommandAsync("t2 STORE 1 -FLAGS (\\Seen)"));

        // Another session's change, told at this session's next command.
        await using (var other = await ImapServerClients.WireAsync(engine, "live@example.com"))
        {
            await other.CommandAsync("o1 SELECT INBOX");
            await other.CommandAsync("o2 STORE 2 +FLAGS (\\Seen)");
        }

        Assert.Contains("* ESEARCH (TAG \"u1\") ADDTO (0 2)", await wire.CommandAsync("n1 NOOP"));

        // An expunged match leaves the result by the number the EXPUNGE retires, told before it.
        await wire.CommandAsync("e1 STORE 3 +FLAGS.SILENT (\\Deleted)");
        var expunge = await wire.CommandAsync("e2 EXPUNGE");
        var removed = expunge.IndexOf("* ESEARCH (TAG \"u1\") REMOVEFROM (0 3)");
        Assert.True(removed >= 0, string.Join("\n", expunge));
        Assert.True(removed < expunge.IndexOf("* 3 EXPUNGE"), string.Join("\n", expunge));

        Assert.StartsWith("x1 OK", (await wire.CommandAsync("x1 CANCELUPDATE \"u1\"")).Last());
        Assert.DoesNotContain(await wire.CommandAsync("x2 STORE 1 +FLAGS (\\Seen)"), l => l.Contains("ESEARCH"));
        Assert.StartsWith("x3 BAD", (await wire.CommandAsync("x3 CANCELUPDATE \"u1\"")).Last());
    }

    [Fact]
    public async Task Rfc5267_ALiveSearchBySequenceNumber_FollowsTheMessages_NotTheNumbers()
    {
        var (engine, wire) = await StartAsync("frozen@example.com", 3);
        await using var _ = engine;
        await using var __ = wire;
        Assert.Contains("* ESEARCH (TAG \"u1\") UID ALL 2", await wire.CommandAsync("u1 UID SEARCH RETURN (UPDATE ALL) 2"));

        // Message 1 goes: the UID 2 message is number 1 now, and still the only match; nothing to tell.
        await wire.CommandAsync("d1 STORE 1 +FLAGS.SILENT (\\Deleted)");
        var lines = await wire.CommandAsync("d2 EXPUNGE");
        Assert.Contains("* 1 EXPUNGE", lines);
        Assert.DoesNotContain(lines, l => l.Contains("ESEARCH"));
        Assert.DoesNotContain(await wire.CommandAsync("d3 STORE 2 +FLAGS (\\Flagged)"), l => l.Contains("ESEARCH"));
    }

    [Fact]
    public async Task Rfc5267_UpdatesEnd_WhenTheMailboxIsClosed()
    {
        var (engine, wire) = await StartAsync("closed@example.com", 2);
        await using var _ = engine;
        await using var __ = wire;
        await wire.CommandAsync("u1 SEARCH RETURN (UPDATE) SEEN");
        await wire.CommandAsync("r1 SELECT INBOX");
        Assert.DoesNotContain(await wire.CommandAsync("r2 STORE 1 +FLAGS (\\Seen)"), l => l.Contains("ESEARCH"));
        Assert.StartsWith("r3 BAD", (await wire.CommandAsync("r3 CANCELUPDATE \"u1\"")).Last());
    }

    [Fact]
    public async Task Rfc5267_Partial_ReturnsThePositionsAsked_AndRefusesBrokenRanges()
    {
        var (engine, wire) = await StartAsync("partial@example.com", 5);
        await using var _ = engine;
        await using var __ = wire;
        Assert.Contains("* ESEARCH (TAG \"p1\") PARTIAL (2:4 2:4)", await wire.CommandAsync("p1 SEARCH RETURN (PARTIAL 4:2) ALL"));
        Assert.Contains("* ESEARCH (TAG \"p2\") PARTIAL (2:3 2,4)", await wire.CommandAsync("p2 SEARCH RETURN (PARTIAL 2:3) 1:2,4:5"));
        Assert.Contains("* ESEARCH (TAG \"p3\") PARTIAL (6:9 NIL)", await wire.CommandAsync("p3 SEARCH RETURN (PARTIAL 6:9) ALL"));
        Assert.Contains("* ESEARCH (TAG \"p4\") PARTIAL (1:2 1:2) COUNT 5", await wire.CommandAsync("p4 SEARCH RETURN (PARTIAL 1:2 COUNT) ALL"));
        foreach (var broken in new[] { "PARTIAL 1", "PARTIAL 1:*", "PARTIAL *:1", "PARTIAL 0:3", "PARTIAL 1:2 ALL", "PARTIAL 1:2 PARTIAL 3:4", "UPDATE UPDATE" })
        {
            Assert.StartsWith("b1 BAD", (await wire.CommandAsync($"b1 SEARCH RETURN ({broken}) ALL")).Last());
        }

        Assert.StartsWith("b2 OK", (await wire.CommandAsync("b2 NOOP")).Last());
    }

    [Fact]
    public async Task Rfc5267_LiveSearches_AreBounded_AndTagsAreUnique()
    {
        var (engine, wire) = await StartAsync("many@example.com", 1);
        await using var _ = engine;
        await using var __ = wire;
        for (var i = 0; i < 16; i++)
        {
            Assert.DoesNotContain(await wire.CommandAsync($"l{i} SEARCH RETURN (UPDATE) SEEN"), l => l.Contains("NOUPDATE"));
        }

        Assert.StartsWith("l3 BAD", (await wire.CommandAsync("l3 SEARCH RETURN (UPDATE) SEEN")).Last());
        var refused = await wire.CommandAsync("l99 SEARCH RETURN (UPDATE ALL) ALL");
        Assert.Contains("* NO [NOUPDATE \"l99\"] Too many live searches; this one is not updated.", refused);
        Assert.Contains("* ESEARCH (TAG \"l99\") ALL 1", refused);
        Assert.StartsWith("l99 OK", refused.Last());
        // Sixteen searches follow a change; the seventeenth does not.
        var told = await wire.CommandAsync("f1 STORE 1 +FLAGS (\\Seen)");
        Assert.Equal(16, told.Count(l => l.Contains("ADDTO (0 1)")));
        Assert.DoesNotContain(told, l => l.Contains("\"l99\""));
    }
}
