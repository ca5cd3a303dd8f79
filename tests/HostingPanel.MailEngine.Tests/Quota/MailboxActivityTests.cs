using HostingPanel.Testing;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Tests.Smtp;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Quota;

/// <summary>
/// Issue 19 items 4 and 5 in the engine: the last login per way in, what POP3 downloaded and left on the server (and
/// since when), what POP3 removed, the "never deletes" rule, and webmail's ticket, which keeps webmail for a mailbox
/// with IMAP switched off and nothing else. Real MailKit clients over sockets; a clock the test moves.
/// </summary>
public abstract class MailboxActivityRules
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    protected abstract Task<EngineHost> StartAsync(TimeProvider clock);

    private static async Task<Pop3Client> Pop3Async(EngineHost engine, string user)
    {
        var client = new Pop3Client { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", engine.Pop3Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, EngineHost.Password);
        return client;
    }

    private static async Task<ImapClient> ImapAsync(EngineHost engine, string user, string? ticket)
    {
        var client = new ImapClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
        if (ticket is not null)
        {
            var id = new ImapImplementation { Name = "test" };
            id.Properties[WebmailTicket.IdField] = ticket;
            await client.IdentifyAsync(id);
        }
        await client.AuthenticateAsync(user, EngineHost.Password);
        return client;
    }

    [Fact]
    public async Task LastLogin_IsKeptPerWayIn_ImapPop3SubmissionAndWebmailApart()
    {
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var activity = engine.Services.GetRequiredService<IMailboxActivityAdmin>();
        var ticket = engine.Services.GetRequiredService<WebmailTicket>().Value;
        await engine.CreateMailboxAsync("who@example.com");
        Assert.Empty((await activity.GetActivityAsync("who@example.com"))!.LastLogins);

        using (var imap = await ImapAsync(engine, "who@example.com", ticket: null)) await imap.DisconnectAsync(true);
        clock.Advance(TimeSpan.FromMinutes(1));
        using (var pop3 = await Pop3Async(engine, "who@example.com")) await pop3.DisconnectAsync(true);
        clock.Advance(TimeSpan.FromMinutes(1));
        using (var smtp = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "who@example.com")) await smtp.DisconnectAsync(true);
        clock.Advance(TimeSpan.FromMinutes(1));
        using (var webmail = await ImapAsync(engine, "who@example.com", ticket)) await webmail.DisconnectAsync(true);

        var last = (await activity.GetActivityAsync("WHO@example.com"))!.LastLogins;
        Assert.Equal(Start, last["imap"]);
        Assert.Equal(Start.AddMinutes(1), last["pop3"]);
        Assert.Equal(Start.AddMinutes(2), last["submission"]);
        Assert.Equal(Start.AddMinutes(3), last["webmail"]);
        Assert.False(last.ContainsKey("managesieve"));

        // A later login moves only its own protocol; a failed one moves nothing.
        clock.Advance(TimeSpan.FromHours(1));
        using (var imap = await ImapAsync(engine, "who@example.com", ticket: null)) await imap.DisconnectAsync(true);
        var pop3Bad = new Pop3Client { Timeout = 15_000 };
        await pop3Bad.ConnectAsync("127.0.0.1", engine.Pop3Port, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => pop3Bad.AuthenticateAsync("who@example.com", "wrong password"));
        pop3Bad.Dispose();
        last = (await activity.GetActivityAsync("who@example.com"))!.LastLogins;
        Assert.Equal(Start.AddMinutes(3).AddHours(1), last["imap"]);
        Assert.Equal(Start.AddMinutes(1), last["pop3"]);
        Assert.Null(await activity.GetActivityAsync("nobody@example.com"));
    }

    [Fact]
    public async Task ImapSwitchedOff_WebmailWithItsTicketStillLogsIn_MailProgramsAndForgedTicketsDoNot()
    {
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var ticket = engine.Services.GetRequiredService<WebmailTicket>().Value;
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("pop3only@example.com", EngineHost.Hash(EngineHost.Password), 0, true, ImapEnabled: false, Pop3Enabled: true, 0));
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("suspended@example.com", EngineHost.Hash(EngineHost.Password), 0, Enabled: false, true, true, 0));

        // A mail program: refused, as before.
        await Assert.ThrowsAsync<AuthenticationException>(() => ImapAsync(engine, "pop3only@example.com", ticket: null));
        // A hostile client guessing at the ticket (wrong, empty, nearly right, long): still refused.
        foreach (var forged in new[] { "x", "", ticket[..^2] + "AA", new string('A', 5000)[..1000] })
            await Assert.ThrowsAsync<AuthenticationException>(() => ImapAsync(engine, "pop3only@example.com", forged));
        // Webmail: in, and it reads the INBOX.
        await engine.DeliverAsync((await engine.Directory.FindMailboxAsync("pop3only@example.com"))!, EngineHost.Message("for webmail"));
        using (var webmail = await ImapAsync(engine, "pop3only@example.com", ticket))
        {
            await webmail.Inbox.OpenAsync(FolderAccess.ReadOnly);
            Assert.Equal(1, webmail.Inbox.Count);
        }
        // The ticket is no password: a wrong one is refused, and a suspended mailbox stays shut.
        var wrong = new ImapClient { Timeout = 15_000 };
        await wrong.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
        var id = new ImapImplementation();
        id.Properties[WebmailTicket.IdField] = ticket;
        await wrong.IdentifyAsync(id);
        await Assert.ThrowsAsync<AuthenticationException>(() => wrong.AuthenticateAsync("pop3only@example.com", "not the password"));
        wrong.Dispose();
        await Assert.ThrowsAsync<AuthenticationException>(() => ImapAsync(engine, "suspended@example.com", ticket));
        var last = (await engine.Services.GetRequiredService<IMailboxActivityAdmin>().GetActivityAsync("pop3only@example.com"))!.LastLogins;
        Assert.True(last.ContainsKey("webmail"));
        Assert.False(last.ContainsKey("imap"));
    }

    [Fact]
    public async Task Pop3KeepMode_KeptMailAndItsAgeAreShown_TheKeeperRuleFollowsRemovalsAndRetention()
    {
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var activity = engine.Services.GetRequiredService<IMailboxActivityAdmin>();
        var account = await engine.CreateMailboxAsync("keeper@example.com", quotaBytes: 10_000_000);
        await engine.CreateMailboxAsync("other@example.net");
        var sizes = 0L;
        for (var i = 0; i < 3; i++)
        {
            var message = EngineHost.Message("kept " + i, new string('k', 1000 * (i + 1)) + "\r\n");
            sizes += message.Length;
            await engine.DeliverAsync(account, message);
        }

        // A client in "leave a copy on the server" mode: RETR everything, QUIT without DELE.
        using (var pop3 = await Pop3Async(engine, "keeper@example.com"))
        {
            for (var i = 0; i < pop3.Count; i++) await pop3.GetMessageAsync(i);
            await pop3.DisconnectAsync(true);
        }
        var a = (await activity.GetActivityAsync("keeper@example.com"))!;
        Assert.Equal((3L, sizes, (DateTimeOffset?)Start), (a.Kept.Messages, a.Kept.Bytes, a.Kept.OldestRetrievedAt));
        Assert.Equal(0, a.Removed.Messages);
        // Kept for less than a week: a client set to "remove after 7 days" may still delete it.
        Assert.Empty(await activity.ListPop3KeepersAsync(null));

        clock.Advance(TimeSpan.FromDays(8));
        var keeper = Assert.Single(await activity.ListPop3KeepersAsync(null));
        Assert.Equal(("keeper@example.com", 3L, sizes, Start), (keeper.Address, keeper.KeptMessages, keeper.KeptBytes, keeper.OldestRetrievedAt));
        Assert.Equal(Start, keeper.LastPop3Login);
        Assert.Single(await activity.ListPop3KeepersAsync(["EXAMPLE.com"]));
        Assert.Empty(await activity.ListPop3KeepersAsync(["example.net"]));
        Assert.Empty(await activity.ListPop3KeepersAsync([]));

        // The program deletes one (DELE, QUIT): recorded, and the mailbox is no longer a keeper for 30 days.
        using (var pop3 = await Pop3Async(engine, "keeper@example.com"))
        {
            await pop3.DeleteMessageAsync(0);
            await pop3.DisconnectAsync(true);
        }
        a = (await activity.GetActivityAsync("keeper@example.com"))!;
        Assert.Equal((1L, Start.AddDays(8)), (a.Removed.Messages, a.Removed.LastAt!.Value));
        Assert.Equal(2, a.Kept.Messages);
        Assert.Empty(await activity.ListPop3KeepersAsync(null));
        clock.Advance(TimeSpan.FromDays(31));
        Assert.Single(await activity.ListPop3KeepersAsync(null));
        Assert.Equal(0, (await activity.GetActivityAsync("keeper@example.com"))!.Removed.Messages);

        // With POP3 retention on, the server lets go by itself: not a keeper.
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("keeper@example.com", EngineHost.Hash(EngineHost.Password), 10_000_000, true, true, true, 30));
        Assert.Empty(await activity.ListPop3KeepersAsync(null));
    }

    /// <summary>
    /// The report's case as the issue names it: Debian's fetchmail in keep mode (UIDL, "leave a copy on the server")
    /// downloads everything and deletes nothing, so a week later the mailbox is on the "never deletes" list; the same
    /// program in its normal mode (nokeep, flush) deletes what it downloaded, and the mailbox leaves the list.
    /// </summary>
    [Fact]
    public async Task Pop3KeepersReport_FetchmailInKeepMode_IsListed_ItsNormalModeTakesTheMailboxOff()
    {
        var fetchmail = TestEnvironment.RequireTool("fetchmail", "fetchmail");
        var clock = new ManualClock(Start);
        await using var engine = await StartAsync(clock);
        var activity = engine.Services.GetRequiredService<IMailboxActivityAdmin>();
        var account = await engine.CreateMailboxAsync("fm@example.com", quotaBytes: 10_000_000);
        for (var i = 0; i < 3; i++)
            await engine.DeliverAsync(account, EngineHost.Message("fetched " + i, new string('f', 500 * (i + 1)) + "\r\n"));

        var home = Path.Combine(engine.DataDirectory, "fetchmail");
        var outbox = Path.Combine(home, "out");
        System.IO.Directory.CreateDirectory(outbox);
        async Task FetchAsync(bool keep)
        {
            var rc = Path.Combine(home, "fetchmailrc");
            await File.WriteAllTextAsync(rc,
                "set no bouncemail\n" +
                $"poll 127.0.0.1 with proto POP3 port {engine.Pop3Port} uidl\n" +
                $"  user \"fm@example.com\" there with password \"{EngineHost.Password}\" is \"root\" here\n" +
                $"  options {(keep ? "keep" : "nokeep flush")} sslproto '' mda \"/bin/sh -c 'cat > {outbox}/$(date +%s%N).eml'\"\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite); // fetchmail refuses a readable rc
            var start = new System.Diagnostics.ProcessStartInfo(fetchmail) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "--nodetach", "--nosyslog", "-f", rc, "--idfile", Path.Combine(home, "fetchids") })
                start.ArgumentList.Add(arg);
            start.Environment["FETCHMAILHOME"] = home;
            start.Environment["HOME"] = home;
            using var process = System.Diagnostics.Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
            // 0: mail retrieved, 1: no new mail.
            Assert.True(process.ExitCode is 0 or 1, $"fetchmail exit {process.ExitCode}: {await output}{await errors}");
        }

        await FetchAsync(keep: true);
        Assert.Equal(3, System.IO.Directory.GetFiles(outbox).Length);
        var a = (await activity.GetActivityAsync("fm@example.com"))!;
        Assert.Equal(3, a.Kept.Messages);
        Assert.Equal(Start, a.Kept.OldestRetrievedAt);
        Assert.Equal(0, a.Removed.Messages);

        // A week later the program has polled again (UIDL: nothing new to download) and still deleted nothing.
        clock.Advance(TimeSpan.FromDays(8));
        await FetchAsync(keep: true);
        Assert.Equal(3, System.IO.Directory.GetFiles(outbox).Length);
        var keeper = Assert.Single(await activity.ListPop3KeepersAsync(null));
        Assert.Equal(("fm@example.com", 3L, Start), (keeper.Address, keeper.KeptMessages, keeper.OldestRetrievedAt));

        // Its normal mode deletes what it downloaded ("flush" also what keep mode left): removals recorded, off the list.
        await FetchAsync(keep: false);
        a = (await activity.GetActivityAsync("fm@example.com"))!;
        Assert.Equal(0, a.Kept.Messages);
        Assert.Equal(3, a.Removed.Messages);
        Assert.Empty(await activity.ListPop3KeepersAsync(null));
    }
}

public sealed class SqliteMailboxActivityTests : MailboxActivityRules
{
    protected override Task<EngineHost> StartAsync(TimeProvider clock) =>
        EngineHost.StartAsync(null, services => services.AddSingleton<TimeProvider>(clock));
}

public sealed class PostgresMailboxActivityTests : MailboxActivityRules
{
    protected override Task<EngineHost> StartAsync(TimeProvider clock) =>
        EngineHost.StartPostgresAsync(null, services => services.AddSingleton<TimeProvider>(clock));
}
