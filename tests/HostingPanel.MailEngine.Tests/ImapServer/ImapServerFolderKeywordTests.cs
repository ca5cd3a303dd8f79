namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// The FLAGS list is the folder's (RFC 9051 7.3.5 and 6.3.2): every keyword the folder has had, the same
/// for every session and never shrinking, as Dovecot keeps it. imaptest's stress checkpoints compare the
/// lists of all sessions and reported "Missing keyword" while the list was each session's own.
/// Run on SQLite and on PostgreSQL.
/// </summary>
public sealed class ImapServerFolderKeywordTests
{
    private const string User = "keywords@example.com";

    public static TheoryData<bool> Providers => new() { false, true };

    private static Task<EngineHost> StartAsync(bool postgres) => postgres ? EngineHost.StartPostgresAsync() : EngineHost.StartAsync();

    private static string FlagsLine(List<string> lines) =>
        lines.LastOrDefault(l => l.StartsWith("* FLAGS (", StringComparison.Ordinal)) ?? "";

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Rfc9051_AKeywordNoMessageCarriesAnyMore_StaysInTheFoldersFlags_ForSessionsOpenAndNew(bool postgres)
    {
        await using var engine = await StartAsync(postgres);
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await using var watcher = await ImapServerClients.WireAsync(engine, User);
        await using var setter = await ImapServerClients.WireAsync(engine, User);
        Assert.DoesNotContain("$Passing", FlagsLine(await watcher.CommandAsync("a SELECT INBOX")));
        Assert.StartsWith("b OK", (await setter.CommandAsync("b SELECT INBOX"))[^1]);

        // Set and taken off again before the watcher's next command: no message carries it now.
        Assert.StartsWith("c OK", (await setter.CommandAsync("c STORE 1 +FLAGS.SILENT ($Passing)"))[^1]);
        Assert.StartsWith("d OK", (await setter.CommandAsync("d STORE 1 -FLAGS.SILENT ($Passing)"))[^1]);

        // The open session is told the folder's list grew, with PERMANENTFLAGS.
        var noop = await watcher.CommandAsync("e NOOP");
        Assert.Contains("$Passing", FlagsLine(noop));
        Assert.Contains(noop, l => l.StartsWith("* OK [PERMANENTFLAGS (", StringComparison.Ordinal) && l.Contains("$Passing", StringComparison.Ordinal));
        Assert.DoesNotContain("* FLAGS", await watcher.CommandAsync("f NOOP"));

        // A new session's SELECT and EXAMINE list it, and so does the setter's next SELECT.
        await using var late = await ImapServerClients.WireAsync(engine, User);
        Assert.Contains("$Passing", FlagsLine(await late.CommandAsync("g EXAMINE INBOX")));
        Assert.Contains("$Passing", FlagsLine(await late.CommandAsync("h SELECT INBOX")));
        Assert.Contains("$Passing", FlagsLine(await setter.CommandAsync("i SELECT INBOX")));

        // The list is the folder's: another folder's SELECT does not show it.
        Assert.DoesNotContain("$Passing", FlagsLine(await late.CommandAsync("j SELECT Archive")));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Rfc9051_KeywordsBroughtByAppendAndCopy_JoinTheTargetFoldersList(bool postgres)
    {
        await using var engine = await StartAsync(postgres);
        await engine.CreateMailboxAsync(User);
        await using var wire = await ImapServerClients.WireAsync(engine, User);
        var message = "Subject: k\r\n\r\nbody\r\n";
        await wire.SendAsync($"a APPEND Drafts ($FromAppend) {{{message.Length}+}}\r\n{message}\r\n");
        Assert.StartsWith("a OK", (await wire.ReadUntilTaggedAsync("a"))[^1]);
        Assert.StartsWith("b OK", (await wire.CommandAsync("b SELECT Drafts"))[^1]);
        Assert.StartsWith("c OK", (await wire.CommandAsync("c COPY 1 Archive"))[^1]);
        Assert.StartsWith("d OK", (await wire.CommandAsync("d STORE 1 FLAGS.SILENT ()"))[^1]);
        Assert.StartsWith("e OK", (await wire.CommandAsync("e EXPUNGE"))[^1]);

        Assert.Contains("$FromAppend", FlagsLine(await wire.CommandAsync("f SELECT Drafts")));
        Assert.Contains("$FromAppend", FlagsLine(await wire.CommandAsync("g SELECT Archive")));
    }

    /// <summary>A hostile client adding keywords without end cannot make every SELECT's FLAGS line grow without end.</summary>
    [Fact]
    public async Task TheFoldersList_StopsGrowingAt256Keywords_WhileMessagesKeepTheirs()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await engine.DeliverAsync(account, EngineHost.Message("two"));
        await using var wire = await ImapServerClients.WireAsync(engine, User);
        Assert.StartsWith("a OK", (await wire.CommandAsync("a SELECT INBOX"))[^1]);
        var many = string.Join(' ', Enumerable.Range(0, 300).Select(i => "k" + i));
        Assert.StartsWith("b OK", (await wire.CommandAsync($"b STORE 1 +FLAGS.SILENT ({many})"))[^1]);
        Assert.StartsWith("c OK", (await wire.CommandAsync("c STORE 1 FLAGS.SILENT ()"))[^1]);
        Assert.StartsWith("d OK", (await wire.CommandAsync("d STORE 2 +FLAGS.SILENT (k299 late)"))[^1]);

        // A new session: the folder's 256 (k0..k255) plus what the messages carry now (k299, late).
        await using var fresh = await ImapServerClients.WireAsync(engine, User);
        var flags = FlagsLine(await fresh.CommandAsync("e SELECT INBOX"));
        var keywords = flags["* FLAGS (".Length..^1].Split(' ').Where(f => !f.StartsWith('\\')).ToList();
        Assert.Equal(258, keywords.Count);
        Assert.Contains("k255", keywords);
        Assert.DoesNotContain("k256", keywords);
        Assert.Contains("k299", keywords);
        Assert.Contains("late", keywords);
    }
}
