using HostingPanel.MailEngine.Tests.Pop3;
using HostingPanel.MailEngine.Storage;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// RFC 1939 section 8 (the maildrop is locked for the session) across nodes behind a balancer: two nodes on one
/// PostgreSQL database, one mailbox.
/// </summary>
public sealed class Pop3MaildropAcrossNodesTests
{
    private const string Address = "drop@example.com";

    [Fact]
    public async Task SecondLogin_OnAnotherNode_GetsInUse_UntilTheFirstSessionQuits()
    {
        await using var cluster = await ClusterNodes.StartAsync(joined: 1);
        var (a, b) = (cluster.Owner, cluster.Joined[0]);
        var account = await a.CreateMailboxAsync(Address);
        await a.DeliverAsync(account, EngineHost.Message("one"));
        await using var first = await Pop3Wire.ConnectAsync(a.Pop3Port);
        await first.LoginAsync(Address);
        Assert.StartsWith("+OK", await first.CommandAsync("DELE 1"));

        await using (var second = await Pop3Wire.ConnectAsync(b.Pop3Port))
        {
            Assert.StartsWith("+OK", await second.CommandAsync("USER " + Address));
            Assert.StartsWith("-ERR [IN-USE]", await second.CommandAsync("PASS " + EngineHost.Password));
        }

        // The first session's UPDATE state removes the message; only then is the maildrop the other node's.
        Assert.StartsWith("+OK", await first.CommandAsync("QUIT"));
        await using var third = await Pop3Wire.ConnectAsync(b.Pop3Port);
        await third.LoginAsync(Address);
        Assert.StartsWith("+OK 0 ", await third.CommandAsync("STAT"));

        // And the other way round: the node that served first is now refused.
        await using var fourth = await Pop3Wire.ConnectAsync(a.Pop3Port);
        Assert.StartsWith("+OK", await fourth.CommandAsync("USER " + Address));
        Assert.StartsWith("-ERR [IN-USE]", await fourth.CommandAsync("PASS " + EngineHost.Password));
    }

    [Fact]
    public async Task ANodeThatStops_FreesItsMaildrops_ForTheOtherNodes()
    {
        await using var cluster = await ClusterNodes.StartAsync(joined: 1);
        var (a, b) = (cluster.Owner, cluster.Joined[0]);
        await a.CreateMailboxAsync(Address);
        var held = await Pop3Wire.ConnectAsync(b.Pop3Port);
        await held.LoginAsync(Address);
        await using (var refused = await Pop3Wire.ConnectAsync(a.Pop3Port))
        {
            Assert.StartsWith("+OK", await refused.CommandAsync("USER " + Address));
            Assert.StartsWith("-ERR [IN-USE]", await refused.CommandAsync("PASS " + EngineHost.Password));
        }

        await cluster.StopAsync(b);
        await held.DisposeAsync();

        await using var after = await Pop3Wire.ConnectAsync(a.Pop3Port);
        await after.LoginAsync(Address);
    }

    [Fact]
    public async Task WhenTheLockHoldersDatabaseSessionDies_ItsPop3SessionEnds_WithoutUpdate_AndAnotherNodeTakesTheMaildrop()
    {
        await using var cluster = await ClusterNodes.StartAsync(joined: 1);
        var (a, b) = (cluster.Owner, cluster.Joined[0]);
        var account = await a.CreateMailboxAsync(Address);
        await a.DeliverAsync(account, EngineHost.Message("kept"));
        await using var cut = await Pop3Wire.ConnectAsync(b.Pop3Port);
        await cut.LoginAsync(Address);
        Assert.StartsWith("+OK", await cut.CommandAsync("DELE 1"));

        // What PostgreSQL sees when node b's machine or network dies: its session, and with it the lock, is gone.
        Assert.Equal(1, await cluster.TerminateHolderAsync(ClusterLockClass.Pop3Maildrop, account.Id));

        // Node b notices within its heartbeat (2 s; the read waits up to 30 s) and ends the session unasked.
        Assert.StartsWith("-ERR [SYS/TEMP]", await cut.ReadLineAsync());
        Assert.Equal("<closed>", await cut.ReadLineAsync());

        await using var other = await Pop3Wire.ConnectAsync(a.Pop3Port);
        await other.LoginAsync(Address);
        Assert.StartsWith("+OK 1 ", await other.CommandAsync("STAT")); // the DELE of the cut session was not applied
    }
}
