using System.Text;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>Bad input gets a tagged BAD or NO, dropped connections leave nothing behind, and the server keeps serving.</summary>
public sealed class ImapServerRobustnessTests
{
    [Fact]
    public async Task DroppedConnectionInTheMiddleOfAppend_LeavesNothingBehind()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("drop@example.com", quotaBytes: 1_000_000);
        var body = EngineHost.Message("never stored", new string('y', 4000) + "\r\n");

        await using (var wire = await ImapServerClients.WireAsync(engine, "drop@example.com"))
        {
            await wire.SendAsync($"a1 APPEND INBOX {{{Encoding.UTF8.GetByteCount(body)}}}\r\n");
            Assert.StartsWith("+", await wire.ReadLineAsync());
            await wire.SendAsync(body[..2000]);
            wire.Abort();
        }

        await using (var wire = await ImapServerClients.WireAsync(engine, "drop@example.com"))
        {
            // Non-synchronizing literal (LITERAL+), cut short.
            await wire.SendAsync($"a2 APPEND Drafts (\\Draft) {{{Encoding.UTF8.GetByteCount(body)}+}}\r\n{body[..1000]}");
            await Task.Delay(200);
            wire.Abort();
        }

        await Task.Delay(500);
        await using (var wire = await ImapServerClients.WireAsync(engine, "drop@example.com"))
        {
            var status = await wire.CommandAsync("s1 STATUS INBOX (MESSAGES)");
            Assert.Contains("* STATUS INBOX (MESSAGES 0)", status);
            Assert.Contains("* STATUS Drafts (MESSAGES 0)", await wire.CommandAsync("s2 STATUS Drafts (MESSAGES)"));
        }
        Assert.Equal(0, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);
        Assert.Empty(System.IO.Directory.EnumerateFiles(engine.Store.Bodies.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task OversizedLiteral_IsRefusedAndTheSessionGoesOn()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("big@example.com");
        await using var wire = await ImapServerClients.WireAsync(engine, "big@example.com");

        await wire.SendAsync("t1 APPEND INBOX {999999999999}\r\n");
        var refused = await wire.ReadLineAsync();
        Assert.Matches("^t1 (NO|BAD) ", refused);
        Assert.StartsWith("t2 OK", (await wire.CommandAsync("t2 NOOP")).Last());

        await wire.SendAsync("t3 LOGIN {99999999}\r\n");
        Assert.Matches("^t3 (NO|BAD) ", await wire.ReadLineAsync());

        var longLine = "t4 SEARCH SUBJECT \"" + new string('z', 200_000) + "\"\r\n";
        await wire.SendAsync(longLine);
        Assert.Matches("^(t4 (NO|BAD) |\\* BYE)", await wire.ReadLineAsync());

        // Whatever happened to that connection, the server still serves new ones.
        await using var fresh = await ImapServerClients.WireAsync(engine, "big@example.com");
        Assert.StartsWith("n1 OK", (await fresh.CommandAsync("n1 NOOP")).Last());
    }

    [Theory]
    [InlineData("\"&Jjo\"")]          // unterminated base64
    [InlineData("\"&AGE-\"")]         // encodes a printable ASCII character
    [InlineData("\"&\"")]             // lone ampersand
    [InlineData("\"../etc\"")]
    [InlineData("\"a/../../b\"")]
    [InlineData("\"/absolute\"")]
    [InlineData("\"a//b\"")]
    [InlineData("\"..\"")]
    [InlineData("{3+}\r\na\u0001b")]   // control character in a literal
    public async Task InvalidFolderNames_AreRefused_AndNothingIsCreated(string name)
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("names@example.com");
        await using var wire = await ImapServerClients.WireAsync(engine, "names@example.com");

        var created = await wire.CommandAsync("c1 CREATE " + name);
        Assert.Matches("^c1 (NO|BAD)", created.Last());
        var renamed = await wire.CommandAsync("c2 RENAME Archive " + name);
        Assert.Matches("^c2 (NO|BAD)", renamed.Last());
        var selected = await wire.CommandAsync("c3 SELECT " + name);
        Assert.Matches("^c3 (NO|BAD)", selected.Last());

        var folders = (await engine.Store.ListFoldersAsync(account.Id)).Select(f => f.Name).ToList();
        Assert.Equal(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], folders.Order(StringComparer.Ordinal));
        Assert.StartsWith("c4 OK", (await wire.CommandAsync("c4 NOOP")).Last());
    }

    [Fact]
    public async Task GarbageAndCommandsInTheWrongState_GetBad_AndTheServerKeepsServing()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("junk@example.com");
        await using (var wire = await ImapServerClients.WireAsync(engine))
        {
            Assert.StartsWith("* OK", wire.Greeting);
            Assert.StartsWith("x1 BAD", (await wire.CommandAsync("x1 SELECT INBOX")).Last());
            Assert.StartsWith("x2 BAD", (await wire.CommandAsync("x2 FROBNICATE")).Last());
            await wire.SendRawAsync([0, 1, 2, 0xff, 0xfe, (byte)'\r', (byte)'\n']);
            Assert.NotNull(await wire.ReadLineAsync());
            Assert.StartsWith("x3 NO", (await wire.CommandAsync("x3 LOGIN junk@example.com wrong")).Last());
        }

        await using var ok = await ImapServerClients.WireAsync(engine, "junk@example.com");
        Assert.StartsWith("y1 BAD", (await ok.CommandAsync("y1 FETCH 1 (FLAGS)")).Last());
        Assert.StartsWith("y2 OK", (await ok.CommandAsync("y2 SELECT INBOX")).Last());
        Assert.StartsWith("y3 BAD", (await ok.CommandAsync("y3 FETCH 99 (FLAGS)")).Last());
        Assert.StartsWith("y4 OK", (await ok.CommandAsync("y4 LOGOUT")).Last());
    }
}
