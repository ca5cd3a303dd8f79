using System.Text;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Pop3;
using HostingPanel.MailEngine.Tests.Smtp;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 4, throttling proven on each protocol's own login command: after the limit of failures
/// for an address, even the right password is refused on IMAP, POP3 and SMTP AUTH; after the limit per
/// client IP, a spray across many addresses is cut off too, also for an address that never failed.
/// </summary>
public sealed class LoginThrottlingTests
{
    private const string Wrong = "wrong password";

    private static Task<EngineHost> StartAsync(int perAddress, int perIp) => EngineHost.StartAsync(new()
    {
        ["Mail:Auth:MaxFailuresPerAddress"] = perAddress.ToString(),
        ["Mail:Auth:MaxFailuresPerIp"] = perIp.ToString(),
        ["Mail:Auth:FailureDelay"] = "00:00:00",
    });

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>One login per protocol; true when it succeeded.</summary>
    private static async Task<bool> LoginAsync(EngineHost engine, string protocol, string user, string password)
    {
        switch (protocol)
        {
            case "imap":
                await using (var wire = await ImapWire.ConnectAsync(engine.ImapPort))
                    return (await wire.CommandAsync($"t LOGIN {user} \"{password}\"")).Last().StartsWith("t OK", StringComparison.Ordinal);
            case "pop3":
                await using (var wire = await Pop3Wire.ConnectAsync(engine.Pop3Port))
                {
                    await wire.CommandAsync("USER " + user);
                    return (await wire.CommandAsync("PASS " + password)).StartsWith("+OK", StringComparison.Ordinal);
                }
            default:
                await using (var c = await RawSmtpClient.ConnectAsync(engine.SubmissionPort))
                {
                    await c.ReadReplyAsync();
                    await c.CommandAsync("EHLO throttle.example");
                    return (await c.CommandAsync("AUTH PLAIN " + Plain(user, password)) ?? "").StartsWith("235", StringComparison.Ordinal);
                }
        }
    }

    [Theory]
    [InlineData("imap")]
    [InlineData("pop3")]
    [InlineData("smtp")]
    public async Task FailuresPerAddress_PastTheLimit_RefuseEvenTheRightPassword(string protocol)
    {
        await using var engine = await StartAsync(perAddress: 3, perIp: 1000);
        await engine.CreateMailboxAsync("target@example.com");
        await engine.CreateMailboxAsync("bystander@example.com");
        Assert.True(await LoginAsync(engine, protocol, "target@example.com", EngineHost.Password), "the right password must work before");
        for (var i = 0; i < 3; i++)
            Assert.False(await LoginAsync(engine, protocol, "target@example.com", Wrong + i));
        Assert.False(await LoginAsync(engine, protocol, "target@example.com", EngineHost.Password));
        // Per address: another mailbox from the same client is not affected.
        Assert.True(await LoginAsync(engine, protocol, "bystander@example.com", EngineHost.Password));
    }

    [Theory]
    [InlineData("imap")]
    [InlineData("pop3")]
    [InlineData("smtp")]
    public async Task FailuresPerClientIp_PastTheLimit_CutOffASprayAcrossAddresses(string protocol)
    {
        await using var engine = await StartAsync(perAddress: 1000, perIp: 5);
        await engine.CreateMailboxAsync("untouched@example.com");
        for (var i = 0; i < 5; i++)
            Assert.False(await LoginAsync(engine, protocol, $"guess{i}@example.com", Wrong));
        Assert.False(await LoginAsync(engine, protocol, "untouched@example.com", EngineHost.Password));
    }
}
