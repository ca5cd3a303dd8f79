using System.Text;
using MailKit.Security;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>RFC transcripts against the engine's IMAP listener, where MailKit hides the detail.</summary>
public sealed class ImapServerWireTests
{
    [Fact]
    public async Task Rfc3502_MultiAppend_ThatDoesNotFitWhole_StoresNone()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("multi@example.com", quotaBytes: 3000);
        var one = EngineHost.Message("one", new string('a', 1000) + "\r\n");
        var two = EngineHost.Message("two", new string('b', 1000) + "\r\n");
        var three = EngineHost.Message("three", new string('c', 1000) + "\r\n");
        await using var wire = await ImapServerClients.WireAsync(engine, "multi@example.com");

        await wire.SendAsync($"m1 APPEND INBOX {{{one.Length}+}}\r\n{one} (\\Seen) {{{two.Length}+}}\r\n{two} {{{three.Length}+}}\r\n{three}\r\n");
        Assert.StartsWith("m1 NO [OVERQUOTA]", (await wire.ReadUntilTaggedAsync("m1")).Last());
        Assert.Contains("* STATUS INBOX (MESSAGES 0)", await wire.CommandAsync("m2 STATUS INBOX (MESSAGES)"));
        Assert.Equal(0, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);

        await wire.SendAsync($"m3 APPEND INBOX {{{one.Length}+}}\r\n{one} {{{two.Length}+}}\r\n{two}\r\n");
        var ok = (await wire.ReadUntilTaggedAsync("m3")).Last();
        // UIDs taken by the refused APPEND are not reused (RFC 9051 2.3.1.1: strictly ascending).
        Assert.Matches(@"^m3 OK \[APPENDUID \d+ 3:4\]", ok);
    }

    [Fact]
    public async Task ConcurrentAppends_IntoRoomForTwo_StoreExactlyTwo_AndTheRestGetOverQuota()
    {
        await using var engine = await EngineHost.StartAsync();
        var message = EngineHost.Message("race", new string('r', 900) + "\r\n");
        var size = Encoding.UTF8.GetByteCount(message);
        var account = await engine.CreateMailboxAsync("race@example.com", quotaBytes: size * 2 + size / 2);
        var wires = new List<ImapWire>();
        for (var i = 0; i < 8; i++)
            wires.Add(await ImapServerClients.WireAsync(engine, "race@example.com"));
        try
        {
            var answers = await Task.WhenAll(wires.Select(async (w, i) =>
            {
                await w.SendAsync($"r{i} APPEND INBOX {{{size}+}}\r\n{message}\r\n");
                return (await w.ReadUntilTaggedAsync($"r{i}")).Last();
            }));
            Assert.Equal(2, answers.Count(a => a.Contains(" OK ", StringComparison.Ordinal)));
            Assert.Equal(6, answers.Count(a => a.Contains(" NO [OVERQUOTA]", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var w in wires)
                await w.DisposeAsync();
        }
        var usage = (await engine.Store.GetQuotaAsync(account.Id))!;
        Assert.Equal(2, usage.MessageCount);
        Assert.Equal(2 * size, usage.UsedBytes);
    }

    [Fact]
    public async Task Rfc4315_UidExpunge_RemovesOnlyTheNamedDeletedMessages()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("uidexp@example.com");
        for (var i = 1; i <= 3; i++)
            await engine.DeliverAsync(account, EngineHost.Message($"m{i}"));
        await using var wire = await ImapServerClients.WireAsync(engine, "uidexp@example.com");
        await wire.CommandAsync("a SELECT INBOX");
        Assert.StartsWith("b OK", (await wire.CommandAsync("b STORE 1:3 +FLAGS.SILENT (\\Deleted)")).Last());
        var expunged = await wire.CommandAsync("c UID EXPUNGE 2");
        Assert.Equal(["* 2 EXPUNGE"], expunged.Where(l => l.StartsWith('*')).ToList());
        Assert.Contains("* STATUS INBOX (MESSAGES 2 UIDNEXT 4)", await wire.CommandAsync("d STATUS INBOX (MESSAGES UIDNEXT)"));
    }

    [Fact]
    public async Task Rfc6154_CreateSpecialUse_AndListExtendedWithStatus()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("special@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("x"));
        await using var wire = await ImapServerClients.WireAsync(engine, "special@example.com");

        Assert.StartsWith("t1 OK", (await wire.CommandAsync("t1 CREATE \"Alle Nachrichten\" (USE (\\All))")).Last());
        var list = await wire.CommandAsync("t2 LIST \"\" \"*\" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))");
        Assert.Contains(list, l => l.StartsWith("* LIST (", StringComparison.Ordinal) && l.Contains("\\All") && l.EndsWith("\"Alle Nachrichten\"", StringComparison.Ordinal));
        Assert.Contains(list, l => l.Contains("\\Sent") && l.EndsWith(" Sent", StringComparison.Ordinal));
        Assert.Contains("* STATUS INBOX (MESSAGES 1 UNSEEN 1)", list);

        var bad = await wire.CommandAsync("t3 CREATE Other (USE (\\Bogus))");
        Assert.StartsWith("t3 NO [USEATTR]", bad.Last());
    }

    [Fact]
    public async Task Login_IsThrottledAcrossProtocols_ByTheSharedAuthenticator()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Auth:MaxFailuresPerAddress"] = "3" });
        await engine.CreateMailboxAsync("brute@example.com");
        for (var i = 0; i < 3; i++)
        {
            using var pop = new MailKit.Net.Pop3.Pop3Client { Timeout = 15_000 };
            await pop.ConnectAsync("127.0.0.1", engine.Pop3Port, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => pop.AuthenticateAsync("brute@example.com", "guess " + i));
        }

        await using var wire = await ImapServerClients.WireAsync(engine);
        var refused = await wire.CommandAsync($"l1 LOGIN brute@example.com \"{EngineHost.Password}\"");
        Assert.StartsWith("l1 NO", refused.Last());
    }

    [Fact]
    public async Task PlaintextLogin_IsRefusedWithoutTls_WhenNotAllowed()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        await engine.CreateMailboxAsync("secure@example.com");
        await using var wire = await ImapServerClients.WireAsync(engine);
        Assert.Contains("LOGINDISABLED", wire.Greeting);
        Assert.Contains("STARTTLS", wire.Greeting);
        Assert.StartsWith("p1 NO", (await wire.CommandAsync($"p1 LOGIN secure@example.com \"{EngineHost.Password}\"")).Last());

        using var tls = await ImapServerClients.MailKitAsync(engine, "secure@example.com", implicitTls: true);
        Assert.True(tls.IsAuthenticated);
    }

    [Fact]
    public async Task Postgres_SessionSeesDeliveryFlagsAndExpunge()
    {
        await using var engine = await EngineHost.StartPostgresAsync();
        var account = await engine.CreateMailboxAsync("pg@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await using var wire = await ImapServerClients.WireAsync(engine, "pg@example.com");
        Assert.Contains("* 1 EXISTS", await wire.CommandAsync("a SELECT INBOX"));
        await engine.DeliverAsync(account, EngineHost.Message("two"));
        Assert.Contains("* 2 EXISTS", await wire.CommandAsync("b NOOP"));
        Assert.StartsWith("c OK", (await wire.CommandAsync("c STORE 1 +FLAGS (\\Deleted)")).Last());
        Assert.Contains("* 1 EXPUNGE", await wire.CommandAsync("d EXPUNGE"));
        var fetched = await wire.CommandAsync("e FETCH 1 (ENVELOPE BODY.PEEK[TEXT])");
        Assert.Contains(fetched, l => l.Contains("\"two\""));
    }
}
