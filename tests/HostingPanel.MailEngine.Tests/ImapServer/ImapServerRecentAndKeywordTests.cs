namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// \Recent (RFC 3501 2.3.2: a message is recent in exactly one session, the first read-write SELECT to
/// see it), FLAGS updates before a new keyword is shown (RFC 9051 7.3.5), and the text of NO
/// [EXPUNGEISSUED] (RFC 9051 7.1): the classes imaptest's select, copy, search-flags and stress runs found.
/// </summary>
public sealed class ImapServerRecentAndKeywordTests
{
    private const string User = "recent@example.com";

    [Fact]
    public async Task Rfc3501_Recent_ExamineShowsIt_StatusCountsIt_TheFirstSelectTakesIt()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await engine.DeliverAsync(account, EngineHost.Message("two"));
        await using var first = await ImapServerClients.WireAsync(engine, User);

        var examine = await first.CommandAsync("a EXAMINE INBOX");
        Assert.Contains("* 2 RECENT", examine);
        Assert.Contains(await first.CommandAsync("b FETCH 1 FLAGS"), l => l.Contains("\\Recent", StringComparison.Ordinal));
        Assert.StartsWith("c OK", (await first.CommandAsync("c CLOSE"))[^1]);
        Assert.Contains(await first.CommandAsync("d STATUS INBOX (MESSAGES RECENT)"), l => l.Contains("(MESSAGES 2 RECENT 2)", StringComparison.Ordinal));

        var select = await first.CommandAsync("e SELECT INBOX");
        Assert.Contains("* 2 RECENT", select);
        Assert.Contains("* SEARCH 1 2", await first.CommandAsync("f SEARCH NEW"));
        Assert.Contains("* SEARCH", await first.CommandAsync("g SEARCH OLD"));

        // Another session: the messages are no longer recent for it, nor in STATUS.
        await using var second = await ImapServerClients.WireAsync(engine, User);
        Assert.Contains(await second.CommandAsync("i STATUS INBOX (RECENT)"), l => l.Contains("(RECENT 0)", StringComparison.Ordinal));
        Assert.Contains("* 0 RECENT", await second.CommandAsync("j SELECT INBOX"));
        Assert.Contains("* SEARCH 1 2", await second.CommandAsync("k SEARCH OLD"));

        // New mail is recent in the session that sees it first, and only there.
        await engine.DeliverAsync(account, EngineHost.Message("three"));
        var firstNoop = await first.CommandAsync("l NOOP");
        Assert.Contains("* 3 EXISTS", firstNoop);
        Assert.Contains("* 3 RECENT", firstNoop);
        var secondNoop = await second.CommandAsync("m NOOP");
        Assert.Contains("* 3 EXISTS", secondNoop);
        Assert.Contains("* 0 RECENT", secondNoop);
    }

    [Fact]
    public async Task Rfc9051_Imap4rev2_ShowsNoRecent()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await using var wire = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("a OK", (await wire.CommandAsync("a ENABLE IMAP4rev2"))[^1]);
        var select = await wire.CommandAsync("b SELECT INBOX");
        Assert.DoesNotContain(select, l => l.Contains("RECENT", StringComparison.Ordinal));
        Assert.DoesNotContain(await wire.CommandAsync("c FETCH 1 FLAGS"), l => l.Contains("\\Recent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rfc9051_ANewKeyword_IsAnnouncedInFlags_BeforeAFetchShowsIt()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await using var watcher = await ImapServerClients.WireAsync(engine, User);
        await using var setter = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("a OK", (await watcher.CommandAsync("a SELECT INBOX"))[^1]);
        Assert.StartsWith("b OK", (await setter.CommandAsync("b SELECT INBOX"))[^1]);

        // The session that stores it: FLAGS first, then the FETCH.
        var stored = await setter.CommandAsync("c STORE 1 +FLAGS ($Label5)");
        var flags = stored.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("$Label5", StringComparison.Ordinal));
        var fetch = stored.FindIndex(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal));
        Assert.True(flags >= 0 && flags < fetch, string.Join(" | ", stored));
        Assert.Contains(stored, l => l.StartsWith("* OK [PERMANENTFLAGS (", StringComparison.Ordinal) && l.Contains("$Label5", StringComparison.Ordinal));

        // The other session learns of it at its next command, also FLAGS first.
        var noop = await watcher.CommandAsync("d NOOP");
        flags = noop.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("$Label5", StringComparison.Ordinal));
        fetch = noop.FindIndex(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal) && l.Contains("$Label5", StringComparison.Ordinal));
        Assert.True(flags >= 0 && flags < fetch, string.Join(" | ", noop));
        // Told once: the next change of the same keyword needs no new FLAGS.
        await setter.CommandAsync("e STORE 1 -FLAGS ($Label5)");
        await setter.CommandAsync("f STORE 1 +FLAGS ($Label5)");
        Assert.DoesNotContain(await watcher.CommandAsync("g NOOP"), l => l.StartsWith("* FLAGS", StringComparison.Ordinal));
    }

    /// <summary>imaptest's stress mode found this: the keyword came with this session's own STORE or FETCH's \Seen.</summary>
    [Theory]
    [InlineData("c STORE 1 +FLAGS (\\Flagged)")]
    [InlineData("c STORE 1 +FLAGS.SILENT (\\Flagged)")]
    [InlineData("c FETCH 1 (BODY[TEXT])")]
    public async Task Rfc9051_AKeywordAnotherSessionSet_IsAnnouncedInFlags_BeforeThisSessionsStoreOrFetchShowsIt(string command)
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await using var session = await ImapServerClients.WireAsync(engine, User);
        await using var setter = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("a OK", (await session.CommandAsync("a SELECT INBOX"))[^1]);
        Assert.StartsWith("b OK", (await setter.CommandAsync("b SELECT INBOX"))[^1]);
        Assert.StartsWith("s OK", (await setter.CommandAsync("s STORE 1 +FLAGS ($Other)"))[^1]);

        // This session has not been told of $Other; its own change brings the message's flags back with it.
        var lines = await session.CommandAsync(command);
        var flags = lines.FindIndex(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal) && l.Contains("$Other", StringComparison.Ordinal));
        var shown = lines.FindIndex(l => l.StartsWith("* 1 FETCH", StringComparison.Ordinal) && l.Contains("$Other", StringComparison.Ordinal));
        Assert.True(flags >= 0, string.Join(" | ", lines));
        Assert.True(shown < 0 || flags < shown, string.Join(" | ", lines));
        Assert.Contains(await session.CommandAsync("d FETCH 1 FLAGS"), l => l.Contains("$Other", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rfc9051_FetchOfAMessageAnotherSessionExpunged_SaysTheyNoLongerExist()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await using var reader = await ImapServerClients.WireAsync(engine, User);
        await using var remover = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("a OK", (await reader.CommandAsync("a SELECT INBOX"))[^1]);
        Assert.StartsWith("b OK", (await remover.CommandAsync("b SELECT INBOX"))[^1]);
        Assert.StartsWith("c OK", (await remover.CommandAsync("c STORE 1 +FLAGS.SILENT (\\Deleted)"))[^1]);
        Assert.StartsWith("d OK", (await remover.CommandAsync("d EXPUNGE"))[^1]);

        // RFC 9051 7.1's own wording (clients and imaptest recognise it); the number stays valid until EXPUNGE is told.
        var fetch = await reader.CommandAsync("e FETCH 1 BODY.PEEK[]");
        Assert.Equal("e NO [EXPUNGEISSUED] Some of the requested messages no longer exist.", fetch[^1]);
        Assert.Contains("* 1 EXPUNGE", await reader.CommandAsync("f NOOP"));
    }
}
