using HostingPanel.Web.Webmail;
using MailKit.Net.Imap;
using MailKit.Security;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>The webmail's IMAP pool against the real engine: reuse, the per-mailbox limit, idle close, and reconnecting after the server drops a connection.</summary>
public sealed class ImapConnectionPoolTests(WebmailHostFixture host) : IClassFixture<WebmailHostFixture>, IAsyncLifetime
{
    private const string Domain = "pool.example";
    private static readonly SemaphoreSlim Setup = new(1, 1);
    private static bool _ready;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static WebmailCredentials Dora => new("test-session", Guid.NewGuid(), $"dora@{Domain}", WebmailHostFixture.Password);

    public async ValueTask InitializeAsync()
    {
        await Setup.WaitAsync(Ct);
        try
        {
            if (!_ready) await host.CreateDomainAsync(Domain, ["dora"]);
            _ready = true;
        }
        finally { Setup.Release(); }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ImapConnectionPool Pool(WebmailOptions options, Func<MailEndpoint>? endpoint = null) =>
        new(options, endpoint ?? host.Endpoints.Imap, host.Endpoints.ValidateCertificate, TimeProvider.System);

    [Fact]
    public async Task SequentialRequests_ReuseOneLoggedInConnection_OverTheEnginesTlsPort()
    {
        await using var pool = Pool(new WebmailOptions());
        Assert.Equal(SecureSocketOptions.SslOnConnect, host.Endpoints.Imap().Security);
        var first = await pool.RunAsync(Dora, async (c, t) => { await c.NoOpAsync(t); return c; }, Ct);
        var second = await pool.RunAsync(Dora, async (c, t) => { await c.Inbox.StatusAsync(MailKit.StatusItems.Count, t); return c; }, Ct);
        Assert.Same(first, second);
        Assert.True(first.IsSecure, "the pool talks TLS to the engine's implicit-TLS port");
        Assert.Equal(1, pool.Opened);
        Assert.Equal(1, pool.IdleCount(Dora.Address));
    }

    [Fact]
    public async Task ConcurrentRequests_GetTheirOwnConnections_UpToTheLimit_ThenWait()
    {
        await using var pool = Pool(new WebmailOptions { MaxConnectionsPerMailbox = 2 });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = 0;
        async Task<ImapClient> Hold(ImapClient c, CancellationToken t)
        {
            Interlocked.Increment(ref entered);
            await release.Task.WaitAsync(t);
            return c;
        }
        var a = pool.RunAsync(Dora, Hold, Ct);
        var b = pool.RunAsync(Dora, Hold, Ct);
        var c = pool.RunAsync(Dora, Hold, Ct);
        await WebmailHostFixture.EventuallyAsync(() => Task.FromResult(Volatile.Read(ref entered) == 2), TimeSpan.FromSeconds(30), "two requests running");
        Assert.False(c.IsCompleted);
        Assert.Equal(2, pool.Opened);
        release.SetResult();
        var clients = await Task.WhenAll(a, b, c);
        Assert.Equal(2, pool.Opened); // the third ran on a returned connection
        Assert.Equal(2, clients.Distinct().Count());
    }

    [Fact]
    public async Task IdleConnections_AreLoggedOut_AfterTheIdleTimeout()
    {
        await using var pool = Pool(new WebmailOptions { ConnectionIdleTimeout = TimeSpan.FromMilliseconds(300), SweepInterval = TimeSpan.FromMilliseconds(100) });
        var client = await pool.RunAsync(Dora, (c, _) => Task.FromResult(c), Ct);
        await WebmailHostFixture.EventuallyAsync(() => Task.FromResult(pool.IdleCount(Dora.Address) == 0 && !client.IsConnected), TimeSpan.FromSeconds(30), "the idle connection closed");
        // The next request simply opens a new one.
        await pool.RunAsync(Dora, (c, t) => c.NoOpAsync(t), Ct);
        Assert.Equal(2, pool.Opened);
    }

    [Fact]
    public async Task ConnectionDroppedByTheServer_IsReplaced_AndTheRequestSucceeds()
    {
        await using var proxy = new DroppingProxy(host.Port("imap"));
        await using var pool = Pool(new WebmailOptions(), () => new MailEndpoint("127.0.0.1", proxy.Port, SecureSocketOptions.None));
        var before = await pool.RunAsync(Dora, async (c, t) => { await c.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly, t); return c; }, Ct);
        proxy.DropAll();

        var count = await pool.RunAsync(Dora, async (c, t) =>
        {
            var inbox = await ImapFolders.OpenAsync(c, ImapFolders.Inbox, MailKit.FolderAccess.ReadOnly, t);
            return (c, (await inbox.SearchAsync(MailKit.Search.SearchQuery.All, t)).Count);
        }, Ct);
        Assert.NotSame(before, count.c);
        Assert.Equal(2, pool.Opened);
        Assert.Equal(2, proxy.Accepted);
        Assert.True(count.c.IsConnected);
    }

    [Fact]
    public async Task WrongPassword_FailsClearly_AndLeavesNoSlotTaken()
    {
        await using var pool = Pool(new WebmailOptions { MaxConnectionsPerMailbox = 1 });
        var wrong = Dora with { Password = "not-the-password" };
        for (var i = 0; i < 2; i++)
            await Assert.ThrowsAsync<AuthenticationException>(() => pool.RunAsync(wrong, (c, t) => c.NoOpAsync(t), Ct));
        await pool.RunAsync(Dora, (c, t) => c.NoOpAsync(t), Ct);
        Assert.Equal(1, pool.Opened);
    }
}
