using System.Text;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Pop3;
using HostingPanel.MailEngine.Tests.Smtp;
using HostingPanel.Testing;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 4 on the mail listeners: a failed login of an existing address (wrong password) and of
/// an unknown address take the same time (medians within 20 %) and get the same reply, on IMAP LOGIN and
/// AUTHENTICATE, POP3 USER/PASS and AUTH, and SMTP AUTH. The mailbox has the default {ARGON2ID} hash;
/// unknown users are checked against a dummy hash of the same cost. Throttling and the failure delay are
/// set out of the way (test settings), so they cannot hide or cause a difference.
/// </summary>
[Collection(ResponseTimingCollection.Name)]
public sealed class LoginTimingTests
{
    private const string Known = "known@example.com";
    private const string WrongPassword = "not the password";

    private static async Task<EngineHost> StartAsync()
    {
        var engine = await EngineHost.StartAsync(new()
        {
            ["Mail:Auth:FailureDelay"] = "00:00:00",
            ["Mail:Auth:MaxFailuresPerAddress"] = "1000000",
            ["Mail:Auth:MaxFailuresPerIp"] = "1000000",
        });
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec(Known, DovecotPassword.HashArgon2Id(EngineHost.Password), 0, true, true, true, 0));
        return engine;
    }

    private static string User(bool known) => known ? Known : $"nobody-{Guid.NewGuid():N}"[..20] + "@example.com";

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    private static async Task AssertIndistinguishableAsync(EngineHost engine, Func<bool, Task<(TimeSpan, string)>> attempt)
    {
        var before = engine.Authenticator.Verifications;
        var figures = await ResponseTimeComparison.AssertIndistinguishableAsync(attempt);
        // Every attempt ran a password verification: the comparison measured the hashing, not a shortcut.
        Assert.True(engine.Authenticator.Verifications - before >= 2 * figures.Trials, "attempts were answered without verifying a password");
    }

    [Fact]
    public async Task Imap_Login_And_Authenticate_SameTimeAndReply_ForUnknownAndKnownUsers()
    {
        await using var engine = await StartAsync();
        await AssertIndistinguishableAsync(engine, async known =>
        {
            await using var wire = await ImapWire.ConnectAsync(engine.ImapPort);
            return await ResponseTimeComparison.TimeAsync(async () => (await wire.CommandAsync($"t LOGIN {User(known)} \"{WrongPassword}\"")).Last());
        });
        await AssertIndistinguishableAsync(engine, async known =>
        {
            await using var wire = await ImapWire.ConnectAsync(engine.ImapPort);
            return await ResponseTimeComparison.TimeAsync(async () => (await wire.CommandAsync($"t AUTHENTICATE PLAIN {Plain(User(known), WrongPassword)}")).Last());
        });
    }

    [Fact]
    public async Task ImportedSha512CryptMailbox_FailsAsSlowlyAsAnUnknownUser()
    {
        await using var engine = await StartAsync();
        // Accounts imported from Dovecot keep their {SHA512-CRYPT} hashes, which verify in milliseconds.
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("imported@example.com", DovecotPassword.HashSha512Crypt(EngineHost.Password), 0, true, true, true, 0));
        await AssertIndistinguishableAsync(engine, async known =>
        {
            await using var wire = await ImapWire.ConnectAsync(engine.ImapPort);
            var user = known ? "imported@example.com" : User(false);
            return await ResponseTimeComparison.TimeAsync(async () => (await wire.CommandAsync($"t LOGIN {user} \"{WrongPassword}\"")).Last());
        });
    }

    [Fact]
    public async Task Pop3_UserPass_And_Auth_SameTimeAndReply_ForUnknownAndKnownUsers()
    {
        await using var engine = await StartAsync();
        await AssertIndistinguishableAsync(engine, async known =>
        {
            await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
            Assert.StartsWith("+OK", await wire.CommandAsync("USER " + User(known)));
            return await ResponseTimeComparison.TimeAsync(() => wire.CommandAsync("PASS " + WrongPassword));
        });
        await AssertIndistinguishableAsync(engine, async known =>
        {
            await using var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port);
            return await ResponseTimeComparison.TimeAsync(() => wire.CommandAsync("AUTH PLAIN " + Plain(User(known), WrongPassword)));
        });
    }

    [Fact]
    public async Task Smtp_Auth_SameTimeAndReply_ForUnknownAndKnownUsers()
    {
        await using var engine = await StartAsync();
        await AssertIndistinguishableAsync(engine, async known =>
        {
            await using var c = await RawSmtpClient.ConnectAsync(engine.SubmissionPort);
            await c.ReadReplyAsync();
            Assert.Contains("AUTH", await c.CommandAsync("EHLO timing.example"));
            return await ResponseTimeComparison.TimeAsync(async () => await c.CommandAsync("AUTH PLAIN " + Plain(User(known), WrongPassword)) ?? "closed");
        });
    }
}
