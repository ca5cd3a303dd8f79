// MailKit annotates most results as nullable; an unexpected null fails the test anyway.
#nullable disable warnings
using System.Text;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using MkFlags = MailKit.MessageFlags;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>Several IMAP sessions and a POP3 session on one mailbox see each other's changes (RFC 9051 7.5).</summary>
public sealed class ImapServerSharingTests
{
    [Fact]
    public async Task TwoImapSessionsAndPop3_SeeEachOthersFlagsDeletionsAndAppends()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("shared@example.com");
        for (var i = 1; i <= 3; i++)
            await engine.DeliverAsync(account, EngineHost.Message($"message {i}"));

        using var a = await ImapServerClients.MailKitAsync(engine, "shared@example.com");
        using var b = await ImapServerClients.MailKitAsync(engine, "shared@example.com", implicitTls: true);
        var inboxA = a.Inbox;
        var inboxB = b.Inbox;
        await inboxA.OpenAsync(FolderAccess.ReadWrite);
        await inboxB.OpenAsync(FolderAccess.ReadWrite);
        var uids = await inboxA.SearchAsync(SearchQuery.All);

        // Flags set in A reach B as an unsolicited FETCH FLAGS.
        var flagsSeen = new List<(int Index, MkFlags Flags)>();
        inboxB.MessageFlagsChanged += (_, e) => flagsSeen.Add((e.Index, e.Flags));
        await inboxA.AddFlagsAsync(uids[0], MkFlags.Flagged, true);
        await b.NoOpAsync();
        Assert.Contains(flagsSeen, f => f.Index == 0 && f.Flags.HasFlag(MkFlags.Flagged));

        // A message deleted over POP3 disappears from both IMAP sessions' INBOX.
        using (var pop = new Pop3Client { Timeout = 15_000 })
        {
            await pop.ConnectAsync("127.0.0.1", engine.Pop3Port, SecureSocketOptions.None);
            await pop.AuthenticateAsync("shared@example.com", EngineHost.Password);
            Assert.Equal(3, pop.Count);
            await pop.DeleteMessageAsync(1);
            await pop.DisconnectAsync(quit: true);
        }

        var expungedInA = new List<int>();
        inboxA.MessageExpunged += (_, e) => expungedInA.Add(e.Index);
        await a.NoOpAsync();
        await b.NoOpAsync();
        Assert.Equal([1], expungedInA);
        Assert.Equal(2, inboxA.Count);
        Assert.Equal(2, inboxB.Count);

        // An APPEND in B is announced to A (EXISTS), and A can read it.
        await inboxB.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(EngineHost.Message("from b"))))));
        await a.NoOpAsync();
        Assert.Equal(3, inboxA.Count);
        Assert.Equal("from b", (await inboxA.GetMessageAsync(2)).Subject);

        // EXPUNGE in A reaches B; POP3 sees the same INBOX.
        await inboxA.AddFlagsAsync(0, MkFlags.Deleted, true);
        await inboxA.ExpungeAsync();
        await b.NoOpAsync();
        Assert.Equal(2, inboxB.Count);
        using var pop2 = new Pop3Client { Timeout = 15_000 };
        await pop2.ConnectAsync("127.0.0.1", engine.Pop3Port, SecureSocketOptions.None);
        await pop2.AuthenticateAsync("shared@example.com", EngineHost.Password);
        Assert.Equal(2, pop2.Count);
        Assert.Equal("message 3", (await pop2.GetMessageAsync(0)).Subject);
    }

    [Fact]
    public async Task Idle_InOneSession_SeesFlagsAndExpungeFromAnother()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("idle2@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await engine.DeliverAsync(account, EngineHost.Message("two"));
        await using var idler = await ImapServerClients.WireAsync(engine, "idle2@example.com");
        await idler.CommandAsync("s1 SELECT INBOX");
        await idler.SendAsync("i1 IDLE\r\n");
        Assert.StartsWith("+", await idler.ReadLineAsync());

        using var other = await ImapServerClients.MailKitAsync(engine, "idle2@example.com");
        await other.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await other.Inbox.AddFlagsAsync(1, MkFlags.Seen, true);
        Assert.Matches(@"^\* 2 FETCH \(.*FLAGS \(\\Seen \\Recent\)", await idler.ReadLineAsync()); // the SELECT took both as \Recent
        await other.Inbox.AddFlagsAsync(0, MkFlags.Deleted, true);
        await other.Inbox.ExpungeAsync();
        var lines = new List<string>();
        while (await idler.ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (line == "* 1 EXPUNGE")
                break;
        }
        await idler.SendAsync("DONE\r\n");
        Assert.StartsWith("i1 OK", (await idler.ReadUntilTaggedAsync("i1")).Last());
    }
}
