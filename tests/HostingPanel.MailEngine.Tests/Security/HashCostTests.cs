using System.Diagnostics;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// Issue 16 items 5 and 6 in the engine: a stored hash above the cost limits is never run; hash checks share one pool
/// that is fair between tenants; failed logins lock out a client, never an account's owner elsewhere.
/// </summary>
public sealed class HashCostTests
{
    [Theory]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=1048576,t=3,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "memory (m) can be at most 65536 KiB")]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=65536,t=40,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "passes (t) can be at most 4")]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=8$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "parallelism (p) can be at most 4")]
    [InlineData("{SHA512-CRYPT}$6$rounds=999999999$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1", "rounds can be at most 20000")]
    [InlineData("{CRYPT}$6$rounds=20001$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1", "rounds can be at most 20000")]
    [InlineData("{BLF-CRYPT}$2y$18$abcdefghijklmnopqrstuu5Rhq0dc1OTaQd3RGmXGAX6UNJhz.BAV.", "cost can be at most 10")]
    [InlineData("{CRYPT}$2b$31$abcdefghijklmnopqrstuu5Rhq0dc1OTaQd3RGmXGAX6UNJhz.BAV.", "cost can be at most 10")]
    public void HashAboveTheLimit_IsRefusedWithTheLimit_AndNeverVerified(string hash, string limit)
    {
        Assert.Contains(limit, DovecotHashCost.Exceeded(hash));
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        Assert.False(DovecotPassword.Verify("password", hash));
        // Refused before any work. Argon2's cost is memory (64 MiB and more here), so the allocation shows
        // whether it ran, whatever the machine's load; the rounds of SHA-512 and Blowfish would take minutes to
        // days, so a bound of seconds is far from flipping.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 8 << 20, "the hash was computed");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData(65536, 4, 20000, 10)]
    public void HashesAtTheLimits_Verify(int memory, int passes, int rounds, int cost)
    {
        var sha = "{SHA512-CRYPT}" + Sha512Crypt.Hash("pw", rounds);
        var blf = DovecotPassword.HashBlowfishCrypt("pw", cost);
        Assert.Null(DovecotHashCost.Exceeded(sha));
        Assert.Null(DovecotHashCost.Exceeded(blf));
        Assert.True(DovecotPassword.Verify("pw", sha));
        Assert.True(DovecotPassword.Verify("pw", blf));
        var salt = Convert.FromBase64String("aWL6CcW4h/x4YxZtLMLoXw==");
        var argon = $"{{ARGON2ID}}$argon2id$v=19$m={memory},t={passes},p=1$aWL6CcW4h/x4YxZtLMLoXw${Convert.ToBase64String(DovecotPassword.ManagedArgon2("pw", salt, memory, passes, 1, 32)).TrimEnd('=')}";
        Assert.Null(DovecotHashCost.Exceeded(argon));
        Assert.True(DovecotPassword.Verify("pw", argon));
    }

    [Fact]
    public async Task Pool_OneTenantsQueue_DoesNotDelayAnotherTenant_BeyondOneCheck()
    {
        var pool = new PasswordCheckPool(2);
        var release = new TaskCompletionSource();
        var started = 0;
        // Tenant A queues twenty slow checks (each waits until released).
        var slow = Enumerable.Range(0, 20).Select(_ => pool.RunAsync("tenant-a", async () => { Interlocked.Increment(ref started); await release.Task; return true; })).ToList();
        // A holds at most half of the slots, so B's check runs now, while all of A's wait.
        var fast = pool.RunAsync("tenant-b", () => Task.FromResult(true));
        Assert.True(await fast.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, Volatile.Read(ref started));
        Assert.Equal(19, pool.Waiting);
        release.SetResult();
        await Task.WhenAll(slow).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, pool.Waiting);
    }

    [Fact]
    public async Task Pool_HandsFreedSlotsToWaitingTenantsInTurn()
    {
        var pool = new PasswordCheckPool(1);
        var gate = new TaskCompletionSource();
        var order = new List<string>();
        var first = pool.RunAsync("a", async () => { await gate.Task; lock (order) order.Add("a0"); return 0; });
        var waiting = new List<Task<int>>();
        foreach (var name in new[] { "a1", "a2", "a3", "b1", "c1" })
            waiting.Add(pool.RunAsync(name[..1], () => { lock (order) order.Add(name); return Task.FromResult(0); }));
        gate.SetResult();
        await Task.WhenAll(waiting.Append(first)).WaitAsync(TimeSpan.FromSeconds(30));
        // Arrival order was a1 a2 a3 b1 c1; in turn, b and c do not wait behind all of a's.
        Assert.Equal(["a0", "a1", "b1", "c1", "a2", "a3"], order);
    }

    [Fact]
    public async Task Pool_CancelledWaiter_LeavesTheQueue()
    {
        var pool = new PasswordCheckPool(1);
        var gate = new TaskCompletionSource();
        var holder = pool.RunAsync("a", async () => { await gate.Task; return 0; });
        using var cts = new CancellationTokenSource();
        var waiter = pool.RunAsync("b", () => Task.FromResult(1), cts.Token);
        Assert.Equal(1, pool.Waiting);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        Assert.Equal(0, pool.Waiting);
        gate.SetResult();
        await holder;
        Assert.Equal(2, await pool.RunAsync("b", () => Task.FromResult(2)));
    }

    [Fact]
    public async Task FailuresFromOneClient_NeverLockTheOwnerOutFromAnother()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Auth:MaxFailuresPerAddress"] = "3" });
        await engine.CreateMailboxAsync("owner@example.com");
        var attacker = System.Net.IPAddress.Parse("192.0.2.66");
        for (var i = 0; i < 5; i++)
            await engine.Authenticator.AuthenticateAsync("owner@example.com", "guess" + i, attacker, MailProtocol.Imap);
        Assert.Equal(AuthFailure.Throttled, (await engine.Authenticator.AuthenticateAsync("owner@example.com", EngineHost.Password, attacker, MailProtocol.Imap)).Failure);
        Assert.True((await engine.Authenticator.AuthenticateAsync("owner@example.com", EngineHost.Password, System.Net.IPAddress.Parse("198.51.100.9"), MailProtocol.Imap)).Succeeded);
    }
}
