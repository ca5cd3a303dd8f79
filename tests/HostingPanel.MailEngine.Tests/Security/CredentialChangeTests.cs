using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// Issue 16 item 4 in the engine: a mailbox's new password (or its suspension or removal) ends the IMAP and POP3
/// sessions that logged in with the old one, over real sockets; replaying the same spec ends nothing.
/// </summary>
public sealed class CredentialChangeTests
{
    private const string Address = "victim@example.com";

    private static MailboxSpec Spec(string hash, bool enabled = true) => new(Address, hash, 0, enabled, true, true, 0);

    private static async Task<RawLineClient> ImapLoggedInAsync(EngineHost engine, string select)
    {
        var imap = await RawLineClient.ConnectAsync(engine.ImapPort);
        Assert.StartsWith("* OK", await imap.ReadLineAsync());
        Assert.StartsWith("a OK", (await imap.ImapAsync("a", $"LOGIN {Address} \"{EngineHost.Password}\""))[^1]);
        if (select.Length > 0) Assert.StartsWith("b OK", (await imap.ImapAsync("b", $"SELECT {select}"))[^1]);
        return imap;
    }

    private static async Task<RawLineClient> Pop3LoggedInAsync(EngineHost engine)
    {
        var pop = await RawLineClient.ConnectAsync(engine.Pop3Port);
        Assert.StartsWith("+OK", await pop.ReadLineAsync());
        await pop.SendAsync($"USER {Address}\r\n");
        Assert.StartsWith("+OK", await pop.ReadLineAsync());
        await pop.SendAsync($"PASS {EngineHost.Password}\r\n");
        Assert.StartsWith("+OK", await pop.ReadLineAsync());
        return pop;
    }

    [Fact]
    public async Task NewPassword_EndsImapSessions_InIdle_Selected_AndAuthenticated_AndPop3_WithoutApplyingDele()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(Address);
        await engine.DeliverAsync(account, EngineHost.Message("keep me"));

        await using var authenticated = await ImapLoggedInAsync(engine, "");
        await using var selected = await ImapLoggedInAsync(engine, "INBOX");
        await using var idling = await ImapLoggedInAsync(engine, "INBOX");
        await idling.SendAsync("c IDLE\r\n");
        Assert.StartsWith("+", await idling.ReadLineAsync());
        await using var pop = await Pop3LoggedInAsync(engine);
        await pop.SendAsync("DELE 1\r\n");
        Assert.StartsWith("+OK", await pop.ReadLineAsync());

        // The same spec again (a worker replay): nobody is logged out.
        await engine.Admin.EnsureMailboxAsync(Spec(EngineHost.Hash(EngineHost.Password)));
        Assert.StartsWith("d OK", (await authenticated.ImapAsync("d", "NOOP"))[^1]);

        await engine.Admin.EnsureMailboxAsync(Spec(DovecotPassword.HashSha512Crypt("a new password 2")));

        foreach (var imap in new[] { authenticated, selected, idling })
        {
            var rest = await ReadToCloseAsync(imap);
            Assert.Contains("* BYE Credentials changed; log in again.", rest);
        }
        Assert.Contains("-ERR [AUTH] Credentials changed; log in again", await ReadToCloseAsync(pop));
        // No UPDATE state: the DELE'd message is still there.
        Assert.Single(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id));

        // The old password no longer logs in; the new one does.
        await using var again = await RawLineClient.ConnectAsync(engine.ImapPort);
        await again.ReadLineAsync();
        Assert.StartsWith("a NO", (await again.ImapAsync("a", $"LOGIN {Address} \"{EngineHost.Password}\""))[^1]);
        Assert.StartsWith("b OK", (await again.ImapAsync("b", $"LOGIN {Address} \"a new password 2\""))[^1]);
    }

    [Fact]
    public async Task Suspension_AndRemoval_EndOpenSessions()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(Address);
        await using (var imap = await ImapLoggedInAsync(engine, "INBOX"))
        {
            await engine.Admin.EnsureMailboxAsync(Spec(EngineHost.Hash(EngineHost.Password), enabled: false));
            Assert.Contains("* BYE Credentials changed; log in again.", await ReadToCloseAsync(imap));
        }
        await engine.Admin.EnsureMailboxAsync(Spec(EngineHost.Hash(EngineHost.Password)));
        await using (var pop = await Pop3LoggedInAsync(engine))
        {
            await engine.Admin.RemoveMailboxAsync(Address, DateTimeOffset.UtcNow.AddDays(30));
            Assert.Contains("-ERR [AUTH] Credentials changed; log in again", await ReadToCloseAsync(pop));
        }
    }

    /// <summary>
    /// Submission too: an SMTP session authenticated with the old password (idle, or in the middle of a transaction)
    /// is closed by the new one, so it can send nothing more; the new password authenticates.
    /// </summary>
    [Fact]
    public async Task NewPassword_EndsAuthenticatedSubmissionSessions()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(Address);
        var plain = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{Address}\0{EngineHost.Password}"));

        async Task<RawLineClient> SubmissionAsync()
        {
            var smtp = await RawLineClient.ConnectAsync(engine.SubmissionPort);
            Assert.StartsWith("220", await smtp.ReadLineAsync());
            await smtp.SendAsync("EHLO attacker.example\r\n");
            while (await smtp.ReadLineAsync() is { } line && !line.StartsWith("250 ", StringComparison.Ordinal)) { }
            await smtp.SendAsync($"AUTH PLAIN {plain}\r\n");
            Assert.StartsWith("235", await smtp.ReadLineAsync());
            return smtp;
        }

        await using var idle = await SubmissionAsync();
        await using var midTransaction = await SubmissionAsync();
        await midTransaction.SendAsync($"MAIL FROM:<{Address}>\r\n");
        Assert.StartsWith("250", await midTransaction.ReadLineAsync());

        await engine.Admin.EnsureMailboxAsync(Spec(DovecotPassword.HashSha512Crypt("a new password 3")));

        foreach (var smtp in new[] { idle, midTransaction })
            await ReadToCloseAsync(smtp);

        await using var again = await RawLineClient.ConnectAsync(engine.SubmissionPort);
        Assert.StartsWith("220", await again.ReadLineAsync());
        await again.SendAsync("EHLO client.example\r\n");
        while (await again.ReadLineAsync() is { } line && !line.StartsWith("250 ", StringComparison.Ordinal)) { }
        await again.SendAsync($"AUTH PLAIN {plain}\r\n");
        Assert.StartsWith("535", await again.ReadLineAsync());
        var fresh = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{Address}\0a new password 3"));
        await again.SendAsync($"AUTH PLAIN {fresh}\r\n");
        Assert.StartsWith("235", await again.ReadLineAsync());
    }

    /// <summary>
    /// ManageSieve too (a residual risk of issue 16 until now): a session logged in with the old password, idle or with a
    /// command sent right behind the change, ends with BYE and can change no script; the new password logs in.
    /// </summary>
    [Fact]
    public async Task NewPassword_EndsManageSieveSessions_AndTheirScriptsCannotBeChangedAfterwards()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(Address);
        var port = ManageSieve.ManageSieveProtocolTests.Port(engine);
        string Plain(string password) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"\0{Address}\0{password}"));

        async Task<RawLineClient> ManageSieveAsync(string password, string expected)
        {
            var sieve = await RawLineClient.ConnectAsync(port);
            while (await sieve.ReadLineAsync() is { } line && !line.StartsWith("OK", StringComparison.Ordinal)) { }
            await sieve.SendAsync($"AUTHENTICATE \"PLAIN\" \"{Plain(password)}\"\r\n");
            Assert.StartsWith(expected, await sieve.ReadLineAsync());
            return sieve;
        }

        await using var idle = await ManageSieveAsync(EngineHost.Password, "OK");
        await using var busy = await ManageSieveAsync(EngineHost.Password, "OK");

        // A replay of the same spec ends nothing.
        await engine.Admin.EnsureMailboxAsync(Spec(EngineHost.Hash(EngineHost.Password)));
        await idle.SendAsync("NOOP\r\n");
        Assert.StartsWith("OK", await idle.ReadLineAsync());

        await engine.Admin.EnsureMailboxAsync(Spec(DovecotPassword.HashSha512Crypt("a new password 4")));
        // Sent after the change: whether it reaches the server before or after the session hears of it, it is not run.
        await busy.SendAsync("PUTSCRIPT \"stolen\" {9+}\r\nkeep;\r\n\r\n\r\n");
        Assert.Contains("BYE \"Credentials changed; log in again\"", await ReadToCloseAsync(idle));
        var busyLines = await ReadToCloseAsync(busy);
        Assert.Contains("BYE \"Credentials changed; log in again\"", busyLines);
        Assert.DoesNotContain(busyLines, l => l.StartsWith("OK", StringComparison.Ordinal));

        await using var fresh = await ManageSieveAsync("a new password 4", "OK");
        await fresh.SendAsync("LISTSCRIPTS\r\n");
        Assert.Equal("OK", (await fresh.ReadLineAsync())?[..2]);
        await using var old = await ManageSieveAsync(EngineHost.Password, "NO");
    }

    /// <summary>Every line until the server closes the connection (a generous deadline: a loaded machine is slow, never wrong).</summary>
    private static async Task<List<string>> ReadToCloseAsync(RawLineClient client)
    {
        var lines = new List<string>();
        try
        {
            while (await client.ReadLineAsync(30_000) is { } line) lines.Add(line);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("the server did not close the connection; it sent: " + string.Join(" | ", lines));
        }
        return lines;
    }
}
