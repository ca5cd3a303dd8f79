using System.Text;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// Dovecot CATENATE 2013 class: the bytes of a literal are data, whatever happens to the command
/// that carries them. A refused APPEND's LITERAL+ literal is read and thrown away, never parsed as
/// commands; a literal larger than the limit is refused before a byte of it is read.
/// </summary>
public sealed class ImapLiteralDesyncTests
{
    // What an attacker hides in the literal: if any of it ran, a folder would appear or the session would end.
    private const string HiddenCommands = "x1 CREATE Smuggled\r\nx2 LOGOUT\r\n";

    [Theory]
    [InlineData("NoSuchFolder", 0)]       // refused: TRYCREATE
    [InlineData("INBOX", 200)]            // refused: over quota
    [InlineData("\"bad&name\"", 0)]       // refused: invalid name
    public async Task RefusedAppend_NonSynchronizingLiteral_IsConsumedNotExecuted(string folder, long quota)
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lit@example.com", quotaBytes: quota);
        await using var c = await LoggedInAsync(engine);

        var literal = "Subject: x\r\n\r\n" + HiddenCommands + new string('p', 300) + "\r\n";
        await c.SendAsync($"a1 APPEND {folder} {{{Encoding.ASCII.GetByteCount(literal)}+}}\r\n{literal}\r\na2 NOOP\r\n");
        var lines = await c.ReadUntilTaggedAsync("a1");
        Assert.Matches("^a1 (NO|BAD) ", lines.Last());
        var next = await c.ReadUntilTaggedAsync("a2");
        Assert.DoesNotContain(lines.Concat(next), l => l.StartsWith("x1") || l.StartsWith("x2") || l.StartsWith("* BYE"));
        Assert.StartsWith("a2 OK", next.Last());

        Assert.DoesNotContain(await engine.Store.ListFoldersAsync(account.Id), f => f.Name == "Smuggled");
        Assert.Empty(await Smtp.SmtpTestKit.InboxAsync(engine, account));
    }

    [Fact]
    public async Task RefusedMultiAppend_SecondLiteral_IsConsumedToo()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lit@example.com");
        await using var c = await LoggedInAsync(engine);
        var m1 = "Subject: one\r\n\r\nbody\r\n";
        var m2 = "Subject: two\r\n\r\n" + HiddenCommands;
        // The first message is fine, the second has a flag list that does not parse: the whole command is refused.
        await c.SendAsync($"a1 APPEND INBOX {{{m1.Length}+}}\r\n{m1} (\\Bogus( {{{m2.Length}+}}\r\n{m2}\r\na2 NOOP\r\n");
        Assert.Matches("^a1 (NO|BAD) ", (await c.ReadUntilTaggedAsync("a1")).Last());
        var next = await c.ReadUntilTaggedAsync("a2");
        Assert.DoesNotContain(next, l => l.StartsWith("x1") || l.StartsWith("x2"));
        Assert.DoesNotContain(await engine.Store.ListFoldersAsync(account.Id), f => f.Name == "Smuggled");
        Assert.Empty(await Smtp.SmtpTestKit.InboxAsync(engine, account));
    }

    [Fact]
    // The default limit, 50 MiB (ImapLimits.MaxLiteralSize), is only announced, never sent.
    public async Task SynchronizingLiteral_LargerThanTheLimit_IsRefusedWithoutContinuation()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("lit@example.com");
        await using var c = await LoggedInAsync(engine);

        await c.SendAsync("a1 APPEND INBOX {52428801}\r\n");
        var refused = await c.ReadLineAsync();
        // No "+": the client must not send the literal; had one come, its bytes would be read as commands.
        Assert.Matches("^a1 (NO|BAD) \\[TOOBIG\\]", refused);
        // A client that sends it anyway gets its lines parsed as commands, which is its own doing: the
        // server kept the framing it announced. Here the session simply goes on.
        Assert.StartsWith("a2 OK", (await c.ImapAsync("a2", "NOOP")).Last());
        await c.SendAsync("a3 APPEND INBOX {52428800}\r\n");
        Assert.StartsWith("+", await c.ReadLineAsync());
    }

    [Fact]
    public async Task NonSynchronizingLiteral_LargerThanTheLimit_GetsBadAndTheConnectionCloses()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lit@example.com");
        await using var c = await LoggedInAsync(engine);

        // RFC 7888 section 4: the literal's bytes are already on their way and cannot be framed safely.
        await c.SendAsync("a1 APPEND INBOX {52428801+}\r\n" + HiddenCommands);
        var lines = new List<string>();
        while (await c.ReadLineAsync() is { } line)
            lines.Add(line);
        Assert.Contains(lines, l => l.StartsWith("a1 BAD [TOOBIG]"));
        Assert.DoesNotContain(lines, l => l.StartsWith("x1") || l.StartsWith("x2"));
        Assert.DoesNotContain(await engine.Store.ListFoldersAsync(account.Id), f => f.Name == "Smuggled");

        // The server itself is fine.
        await using var fresh = await LoggedInAsync(engine);
        Assert.StartsWith("n1 OK", (await fresh.ImapAsync("n1", "NOOP")).Last());
    }

    internal static async Task<RawLineClient> LoggedInAsync(EngineHost engine, string user = "lit@example.com")
    {
        var c = await RawLineClient.ConnectAsync(engine.ImapPort);
        Assert.StartsWith("* OK", await c.ReadLineAsync());
        Assert.StartsWith("a0 OK", (await c.ImapAsync("a0", $"LOGIN {user} \"{EngineHost.Password}\"")).Last());
        return c;
    }
}
