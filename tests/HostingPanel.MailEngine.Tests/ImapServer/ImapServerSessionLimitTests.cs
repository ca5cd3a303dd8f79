namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>Autologout (RFC 9051 section 5.4) and MOVE against a full quota.</summary>
public sealed class ImapServerSessionLimitTests
{
    private static Task<EngineHost> StartWithTimeoutsAsync() => EngineHost.StartAsync(new()
    {
        ["Mail:Limits:PreAuthTimeout"] = "00:00:01",
        ["Mail:ImapLimits:AutologoutTimeout"] = "00:00:04",
    });

    [Fact]
    public async Task Autologout_ClosesASilentConnection_WithBye_BeforeAndAfterLogin()
    {
        await using var engine = await StartWithTimeoutsAsync();
        await engine.CreateMailboxAsync("quiet@example.com");

        await using var anonymous = await ImapWire.ConnectAsync(engine.ImapPort);
        var started = DateTime.UtcNow;
        Assert.StartsWith("* BYE", await anonymous.ReadLineAsync());
        Assert.Null(await anonymous.ReadLineAsync());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15), "the unauthenticated connection was not logged out");

        await using var user = await ImapServerClients.WireAsync(engine, "quiet@example.com");
        await user.CommandAsync("a SELECT INBOX");
        started = DateTime.UtcNow;
        Assert.StartsWith("* BYE", await user.ReadLineAsync());
        Assert.Null(await user.ReadLineAsync());
        // The authenticated timer is the longer one (4 s; 2 s of slack for a loaded machine).
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(2), "authenticated session logged out before its own timeout");
    }

    [Fact]
    public async Task Autologout_ClockRestartsWithEveryCommand()
    {
        await using var engine = await StartWithTimeoutsAsync();
        await engine.CreateMailboxAsync("busy@example.com");
        await using var wire = await ImapServerClients.WireAsync(engine, "busy@example.com");
        // Eight seconds of activity, twice the timer, each gap a quarter of it.
        for (var i = 0; i < 8; i++)
        {
            await Task.Delay(1000);
            Assert.StartsWith($"n{i} OK", (await wire.CommandAsync($"n{i} NOOP")).Last());
        }
    }

    [Fact]
    public async Task Move_WithinTheMailbox_AtAFullQuota_Succeeds_AndLeavesUsageUnchanged_WhileCopyIsOverQuota()
    {
        await using var engine = await EngineHost.StartAsync();
        var first = EngineHost.Message("one", new string('x', 500) + "\r\n");
        var second = EngineHost.Message("two", new string('y', 500) + "\r\n");
        var account = await engine.CreateMailboxAsync("full@example.com", quotaBytes: 1_000_000);
        await engine.DeliverAsync(account, first);
        await engine.DeliverAsync(account, second);
        var before = (await engine.Store.GetQuotaAsync(account.Id))!;
        // Shrink the quota to exactly the usage: nothing more fits.
        await engine.Admin.EnsureMailboxAsync(new HostingPanel.MailEngine.Admin.MailboxSpec("full@example.com", EngineHost.Hash(EngineHost.Password), before.UsedBytes, true, true, true, 0));

        await using var wire = await ImapServerClients.WireAsync(engine, "full@example.com");
        await wire.CommandAsync("a SELECT INBOX");
        Assert.StartsWith("b NO [OVERQUOTA]", (await wire.CommandAsync("b COPY 1 Archive")).Last());
        var moved = await wire.CommandAsync("c MOVE 1 Archive");
        Assert.Contains(moved, l => l.StartsWith("* OK [COPYUID", StringComparison.Ordinal));
        Assert.StartsWith("c OK", moved.Last());
        Assert.Contains("* 1 EXPUNGE", moved);

        var after = (await engine.Store.GetQuotaAsync(account.Id))!;
        Assert.Equal(before.UsedBytes, after.UsedBytes);
        Assert.Equal(before.MessageCount, after.MessageCount);
        Assert.Contains("* STATUS Archive (MESSAGES 1)", await wire.CommandAsync("d STATUS Archive (MESSAGES)"));
        var quota = await wire.CommandAsync("e GETQUOTAROOT INBOX");
        Assert.Contains(quota, l => l.StartsWith("* QUOTA", StringComparison.Ordinal) && l.Contains($"STORAGE {(before.UsedBytes + 1023) / 1024} ", StringComparison.Ordinal));
    }
}
