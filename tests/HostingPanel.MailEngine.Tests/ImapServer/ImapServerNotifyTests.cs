namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// NOTIFY (RFC 5465) against the engine's listener: changes made by another session reach a client that sends
/// nothing (between commands and in IDLE), in the forms the RFC gives each event, and only for its own account.
/// </summary>
/// <remarks>
/// Each unsolicited line is awaited with <see cref="ImapWire.ReadLineAsync"/>'s 15 s bound; the change that causes
/// it has completed (its tagged OK read) before the wait starts, so the bound is never the thing tested.
/// </remarks>
public sealed class ImapServerNotifyTests
{
    private const string User = "watcher@example.com";

    private static async Task<(EngineHost Engine, ImapWire Watcher, ImapWire Other)> StartAsync(string user = User)
    {
        var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(user);
        var watcher = await ImapServerClients.WireAsync(engine, user);
        var other = await ImapServerClients.WireAsync(engine, user);
        Assert.StartsWith("c1 OK", (await other.CommandAsync("c1 CREATE Other")).Last());
        return (engine, watcher, other);
    }

    private static async Task AppendAsync(ImapWire wire, string tag, string mailbox)
    {
        const string message = "Subject: hi\r\n\r\nhello\r\n";
        await wire.SendAsync($"{tag} APPEND {mailbox} {{{message.Length}+}}\r\n{message}\r\n");
        Assert.StartsWith(tag + " OK", (await wire.ReadUntilTaggedAsync(tag)).Last());
    }

    [Fact]
    public async Task Rfc5465_SetStatus_TellsTheWatchedMailbox_ThenEachNewMessage_Unasked()
    {
        var (engine, watcher, other) = await StartAsync();
        await using var _ = engine;
        await using var __ = watcher;
        await using var ___ = other;
        Assert.Contains(await watcher.CommandAsync("c CAPABILITY"), l => l.Contains(" NOTIFY"));

        var set = await watcher.CommandAsync("n1 NOTIFY SET STATUS (MAILBOXES Other (MessageNew MessageExpunge))");
        Assert.Contains(set, l => l.StartsWith("* STATUS Other (MESSAGES 0 UIDNEXT 1 UIDVALIDITY ", StringComparison.Ordinal) && l.EndsWith(" UNSEEN 0)", StringComparison.Ordinal));
        Assert.StartsWith("n1 OK", set.Last());

        // Between commands: the watcher sends nothing and hears of the APPEND.
        await AppendAsync(other, "a1", "Other");
        Assert.Equal("* STATUS Other (MESSAGES 1 UIDNEXT 2 UNSEEN 1)", await watcher.ReadLineAsync());

        // In IDLE as well.
        await watcher.SendAsync("i1 IDLE\r\n");
        Assert.StartsWith("+ ", await watcher.ReadLineAsync());
        await AppendAsync(other, "a2", "Other");
        Assert.Equal("* STATUS Other (MESSAGES 2 UIDNEXT 3 UNSEEN 2)", await watcher.ReadLineAsync());
        await watcher.SendAsync("DONE\r\n");
        Assert.StartsWith("i1 OK", (await watcher.ReadUntilTaggedAsync("i1")).Last());

        // A mailbox no group names is not reported; NOTIFY NONE ends it all.
        await AppendAsync(other, "a3", "INBOX");
        await AppendAsync(other, "a4", "Other");
        Assert.Equal("* STATUS Other (MESSAGES 3 UIDNEXT 4 UNSEEN 3)", await watcher.ReadLineAsync());
        Assert.StartsWith("n2 OK", (await watcher.CommandAsync("n2 NOTIFY NONE")).Last());
        await AppendAsync(other, "a5", "Other");
        Assert.StartsWith("n3 OK", Assert.Single(await watcher.CommandAsync("n3 NOOP")));
    }

    [Fact]
    public async Task Rfc5465_Selected_TellsExistsAndFlags_AtOnce_WhileSelectedDelayed_HoldsExpungeBack()
    {
        var (engine, watcher, other) = await StartAsync();
        await using var _ = engine;
        await using var __ = watcher;
        await using var ___ = other;
        await AppendAsync(other, "a1", "INBOX");
        await watcher.CommandAsync("s1 SELECT INBOX");
        await other.CommandAsync("s2 SELECT INBOX");
        Assert.StartsWith("n1 OK", (await watcher.CommandAsync("n1 NOTIFY SET (SELECTED (MessageNew MessageExpunge FlagChange))")).Last());

        await other.CommandAsync("f1 STORE 1 +FLAGS (\\Flagged)");
        Assert.Matches(@"^\* 1 FETCH \(UID \d+ FLAGS \(\\Flagged( \\Recent)?\)\)$", await watcher.ReadLineAsync());
        await AppendAsync(other, "a2", "INBOX");
        Assert.Equal("* 2 EXISTS", await watcher.ReadLineAsync());

        // SELECTED-DELAYED: the expunge of message 1 waits for a command that may say EXPUNGE, so the next
        // unsolicited count still holds it (3, not 2).
        Assert.StartsWith("n2 OK", (await watcher.CommandAsync("n2 NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge FlagChange))")).Last());
        await other.CommandAsync("d1 STORE 1 +FLAGS.SILENT (\\Deleted)");
        await other.CommandAsync("d2 EXPUNGE");
        await AppendAsync(other, "a3", "INBOX");
        var told = new List<string>();
        while (await watcher.ReadLineAsync() is { } line && told.Count < 10)
        {
            told.Add(line);
            if (line.EndsWith(" EXISTS", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.Equal("* 3 EXISTS", told.Last());
        Assert.DoesNotContain(told, l => l.EndsWith(" EXPUNGE", StringComparison.Ordinal));
        Assert.Contains("* 1 EXPUNGE", await watcher.CommandAsync("n3 NOOP"));
    }

    [Fact]
    public async Task Rfc5465_MessageNewWithFetchAttributes_FetchesEachNewMessage_AfterItsExists()
    {
        var (engine, watcher, other) = await StartAsync();
        await using var _ = engine;
        await using var __ = watcher;
        await using var ___ = other;
        await watcher.CommandAsync("s1 SELECT INBOX");
        Assert.StartsWith("n1 OK", (await watcher.CommandAsync(
            "n1 NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge))")).Last());

        await AppendAsync(other, "a1", "INBOX");
        var told = new List<string>();
        while (await watcher.ReadLineAsync() is { } line && told.Count < 10)
        {
            told.Add(line);
            if (line == ")")
            {
                break;
            }
        }

        var exists = told.IndexOf("* 1 EXISTS");
        var fetch = told.FindIndex(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\* 1 FETCH \(UID \d+ BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}$"));
        Assert.True(exists >= 0 && fetch > exists, string.Join(" | ", told));
        Assert.Equal("Subject: hi", told[fetch + 1]);
        // PEEK: the message stays unseen.
        Assert.DoesNotContain("\\Seen", string.Join("\n", await watcher.CommandAsync("f1 FETCH 1 FLAGS")));
    }

    [Fact]
    public async Task Rfc5465_MailboxNameAndSubscriptionChange_AreToldAsList()
    {
        var (engine, watcher, other) = await StartAsync();
        await using var _ = engine;
        await using var __ = watcher;
        await using var ___ = other;
        Assert.StartsWith("n1 OK", (await watcher.CommandAsync("n1 NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))")).Last());

        await other.CommandAsync("c2 CREATE Projects");
        Assert.Equal("* LIST () \"/\" Projects", await watcher.ReadLineAsync());
        await other.CommandAsync("c3 SUBSCRIBE Projects");
        Assert.Equal("* LIST (\\Subscribed) \"/\" Projects", await watcher.ReadLineAsync());
        await other.CommandAsync("c4 UNSUBSCRIBE Projects");
        Assert.Equal("* LIST () \"/\" Projects", await watcher.ReadLineAsync());
        await other.CommandAsync("c5 DELETE Projects");
        Assert.Equal("* LIST (\\NonExistent) \"/\" Projects", await watcher.ReadLineAsync());
    }

    [Fact]
    public async Task Rfc5465_AnotherAccountsChanges_AreNeverTold()
    {
        var (engine, watcher, other) = await StartAsync();
        await using var _ = engine;
        await using var __ = watcher;
        await using var ___ = other;
        var strangerAccount = await engine.CreateMailboxAsync("stranger@example.com");
        await using var stranger = await ImapServerClients.WireAsync(engine, "stranger@example.com");
        await stranger.CommandAsync("x1 CREATE Other");
        Assert.StartsWith("n1 OK", (await watcher.CommandAsync("n1 NOTIFY SET (PERSONAL (MessageNew MessageExpunge MailboxName))")).Last());

        await engine.DeliverAsync(strangerAccount, "Subject: not yours\r\n\r\nx\r\n");
        await AppendAsync(stranger, "x2", "Other");
        await stranger.CommandAsync("x3 CREATE Secret");
        // The watcher's own mailbox changes last: the first line it hears must be about that one.
        await AppendAsync(other, "a1", "Other");
        Assert.Equal("* STATUS Other (MESSAGES 1 UIDNEXT 2 UNSEEN 1)", await watcher.ReadLineAsync());
        Assert.DoesNotContain(await watcher.CommandAsync("n2 NOOP"), l => l.Contains("Secret") || l.Contains("INBOX"));
    }

    [Fact]
    public async Task Rfc5465_BadRequests_AreRefused_WithTheRightAnswer()
    {
        var (engine, watcher, other) = await StartAsync();
        await using var _ = engine;
        await using var __ = watcher;
        await using var ___ = other;
        Assert.Equal("b1 NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] Some of these events cannot be reported.",
            (await watcher.CommandAsync("b1 NOTIFY SET (PERSONAL (MessageNew MessageExpunge AnnotationChange))")).Last());
        foreach (var bad in new[]
        {
            "NOTIFY SET (PERSONAL (NoSuchEvent))",
            "NOTIFY SET (SELECTED (MessageNew))",
            "NOTIFY SET (SELECTED (FlagChange))",
            "NOTIFY SET (SELECTED (MessageNew MessageExpunge)) (SELECTED-DELAYED (MessageNew MessageExpunge))",
            "NOTIFY SET (NOWHERE (MessageNew))",
            "NOTIFY SET (MAILBOXES (MessageNew))",
            "NOTIFY SET",
            "NOTIFY MAYBE",
            "NOTIFY SET (PERSONAL (MessageNew (UID)))",
        })
        {
            Assert.StartsWith("b2 BAD", (await watcher.CommandAsync("b2 " + bad)).Last());
        }

        var groups = string.Join(' ', Enumerable.Repeat("(PERSONAL (MessageNew))", 33));
        Assert.StartsWith("b3 NO [LIMIT]", (await watcher.CommandAsync("b3 NOTIFY SET " + groups)).Last());
        Assert.StartsWith("b4 OK", (await watcher.CommandAsync("b4 NOOP")).Last());
    }
}
