using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using Xunit;

namespace HostingPanel.MailEngine.Tests;

public abstract class DirectoryAndAdminRules
{
    protected abstract Task<EngineHost> StartAsync(Dictionary<string, string?>? settings = null);

    [Fact]
    public async Task Alias_NestedDuplicatedAndLooping_DeliversOnceToEachMailbox_AndReturnsExternalSeparately()
    {
        await using var engine = await StartAsync();
        var a = await engine.CreateMailboxAsync("a@example.com");
        var b = await engine.CreateMailboxAsync("b@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("team@example.com", ["a@example.com", "sales@example.com", "A@Example.com"]));
        await engine.Admin.EnsureAliasAsync(new AliasSpec("sales@example.com", ["b@example.com", "team@example.com", "partner@elsewhere.org"]));

        var resolved = await engine.Directory.ResolveRecipientAsync("Team@Example.COM");

        Assert.Equal(RecipientStatus.Ok, resolved.Status);
        Assert.Equal([a.Id, b.Id], resolved.Mailboxes.Select(m => m.MailboxId).Order());
        Assert.Equal(["partner@elsewhere.org"], resolved.External);
    }

    [Fact]
    public async Task CatchAll_TakesUnknownLocalParts_ButNotExistingMailboxes()
    {
        await using var engine = await StartAsync();
        var a = await engine.CreateMailboxAsync("a@example.com");
        var postmaster = await engine.CreateMailboxAsync("postmaster@example.com");
        Assert.Equal(RecipientStatus.Unknown, (await engine.Directory.ResolveRecipientAsync("nobody@example.com")).Status);

        await engine.Admin.EnsureAliasAsync(new AliasSpec("*@example.com", ["postmaster@example.com"]));

        Assert.Equal([postmaster.Id], (await engine.Directory.ResolveRecipientAsync("nobody@example.com")).Mailboxes.Select(m => m.MailboxId));
        Assert.Equal([a.Id], (await engine.Directory.ResolveRecipientAsync("a@example.com")).Mailboxes.Select(m => m.MailboxId));
        Assert.Equal(RecipientStatus.NotHosted, (await engine.Directory.ResolveRecipientAsync("x@not-hosted.org")).Status);
    }

    [Fact]
    public async Task Forwarding_ReturnsDestinations_AndKeepsACopyOnlyWhenAsked()
    {
        await using var engine = await StartAsync();
        var keep = new MailboxSpec("keep@example.com", EngineHost.Hash("x"), 0, true, true, true, 0, ForwardTo: ["out@elsewhere.org"], KeepCopyWhenForwarding: true);
        var drop = keep with { Address = "drop@example.com", KeepCopyWhenForwarding = false };
        await engine.Admin.EnsureMailboxAsync(keep);
        await engine.Admin.EnsureMailboxAsync(drop);

        var k = await engine.Directory.ResolveRecipientAsync("keep@example.com");
        var d = await engine.Directory.ResolveRecipientAsync("drop@example.com");
        Assert.Single(k.Mailboxes);
        Assert.Equal(["out@elsewhere.org"], k.External);
        Assert.Empty(d.Mailboxes);
        Assert.Equal(["out@elsewhere.org"], d.External);
    }

    [Fact]
    public async Task Admin_EveryCallIsIdempotent_AndTheSnapshotShowsTheDesiredState()
    {
        await using var engine = await StartAsync();
        var spec = new MailboxSpec("user@example.com", EngineHost.Hash("pw"), 1_000_000, true, true, false, 7, "User");
        var alias = new AliasSpec("info@example.com", ["user@example.com"]);
        for (var i = 0; i < 2; i++)
        {
            await engine.Admin.EnsureDomainAsync("example.com");
            await engine.Admin.EnsureMailboxAsync(spec);
            await engine.Admin.EnsureAliasAsync(alias);
        }
        var account = (await engine.Directory.FindMailboxAsync("user@example.com"))!;
        Assert.Equal(6, (await engine.Store.ListFoldersAsync(account.Id)).Count);

        var snapshot = await engine.Admin.GetDirectoryAsync();
        Assert.Equal(["example.com"], snapshot.Domains);
        var mailbox = Assert.Single(snapshot.Mailboxes);
        Assert.Equal(spec with { ForwardTo = [] }, mailbox with { ForwardTo = [] });
        Assert.Equal(["user@example.com"], Assert.Single(snapshot.Aliases).Destinations);

        await engine.Admin.EnsureMailboxAsync(spec with { QuotaBytes = 5, Pop3Enabled = true });
        Assert.Equal(5, (await engine.Directory.FindMailboxAsync("user@example.com"))!.QuotaBytes);
        await engine.Admin.RemoveAliasAsync("info@example.com");
        await engine.Admin.RemoveAliasAsync("info@example.com");
        Assert.Empty((await engine.Admin.GetDirectoryAsync()).Aliases);
    }

    [Fact]
    public async Task RemovedMailbox_RefusesMailAndLogins_UntilRestored_ThenPurgeDeletesItsMail()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("gone@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("kept during grace"));
        var purgeAfter = DateTimeOffset.UtcNow.AddDays(30);

        await engine.Admin.RemoveMailboxAsync("gone@example.com", purgeAfter);
        await engine.Admin.RemoveMailboxAsync("gone@example.com", purgeAfter);
        Assert.Equal(RecipientStatus.Disabled, (await engine.Directory.ResolveRecipientAsync("gone@example.com")).Status);
        Assert.Equal(AuthFailure.Disabled, (await engine.Authenticator.AuthenticateAsync("gone@example.com", EngineHost.Password, null, MailProtocol.Pop3)).Failure);
        Assert.Equal(DeliveryStatus.Unknown, (await engine.DeliverAsync(account, EngineHost.Message("refused"))).Status);
        Assert.Equal(["gone@example.com"], (await engine.Admin.GetDirectoryAsync()).RemovedMailboxes);
        Assert.Equal(0, await engine.Admin.PurgeExpiredAsync(DateTimeOffset.UtcNow));

        await engine.Admin.RestoreMailboxAsync("gone@example.com");
        Assert.Equal(RecipientStatus.Ok, (await engine.Directory.ResolveRecipientAsync("gone@example.com")).Status);
        Assert.Single(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id));

        await engine.Admin.RemoveMailboxAsync("gone@example.com", DateTimeOffset.UtcNow.AddSeconds(-1));
        Assert.Equal(1, await engine.Admin.PurgeExpiredAsync(DateTimeOffset.UtcNow));
        Assert.Null(await engine.Directory.FindMailboxAsync("gone@example.com"));
        Assert.Empty(System.IO.Directory.EnumerateFiles(engine.Store.Bodies.Root, "*", SearchOption.AllDirectories));
        await engine.Admin.PurgeMailboxAsync("gone@example.com");
    }

    [Fact]
    public async Task SuspendedMailbox_RefusesDelivery_AndLogin()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("susp@example.com", enabled: false);
        Assert.Equal(RecipientStatus.Disabled, (await engine.Directory.ResolveRecipientAsync("susp@example.com")).Status);
        Assert.Equal(DeliveryStatus.Unknown, (await engine.DeliverAsync(account, EngineHost.Message("no"))).Status);
        Assert.Equal(AuthFailure.Disabled, (await engine.Authenticator.AuthenticateAsync("susp@example.com", EngineHost.Password, null, MailProtocol.Imap)).Failure);
    }

    [Fact]
    public async Task Usage_ReportsBytesAndCountsPerMailbox()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("usage@example.com", quotaBytes: 1_000_000);
        await engine.DeliverAsync(account, EngineHost.Message("1"));
        await engine.DeliverAsync(account, EngineHost.Message("2"));
        var usage = Assert.Single(await engine.Admin.GetUsageAsync());
        Assert.Equal(2, usage.MessageCount);
        Assert.Equal((await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id)).Sum(m => m.Size), usage.UsedBytes);
        Assert.Equal(1_000_000, usage.QuotaBytes);
    }

    [Fact]
    public async Task UsageOfChosenMailboxes_ReportsOnlyThose_AndSkipsIdsThatAreGone()
    {
        await using var engine = await StartAsync();
        var busy = await engine.CreateMailboxAsync("busy@example.com", quotaBytes: 2_000_000);
        var quiet = await engine.CreateMailboxAsync("quiet@example.com");
        var other = await engine.CreateMailboxAsync("other@example.com");
        await engine.DeliverAsync(busy, EngineHost.Message("1"));
        await engine.DeliverAsync(other, EngineHost.Message("2"));

        var usage = await engine.Admin.GetUsageAsync([busy.Id, quiet.Id, busy.Id, 999_999_999]);

        Assert.Equal(["busy@example.com", "quiet@example.com"], usage.Select(u => u.Address));
        var all = (await engine.Admin.GetUsageAsync()).ToDictionary(u => u.Address);
        Assert.Equal(all["busy@example.com"], usage[0]);
        Assert.Equal(1, usage[0].MessageCount);
        Assert.Equal(2_000_000, usage[0].QuotaBytes);
        Assert.Equal(0, usage[1].MessageCount);
        Assert.Empty(await engine.Admin.GetUsageAsync([]));
    }

    [Fact]
    public async Task Login_FailuresAreThrottledPerAddress_EvenWithTheRightPasswordAfterwards()
    {
        await using var engine = await StartAsync(new() { ["Mail:Auth:MaxFailuresPerAddress"] = "3" });
        await engine.CreateMailboxAsync("victim@example.com");
        for (var i = 0; i < 3; i++)
            Assert.Equal(AuthFailure.InvalidCredentials, (await engine.Authenticator.AuthenticateAsync("victim@example.com", "guess" + i, null, MailProtocol.Smtp)).Failure);
        Assert.Equal(AuthFailure.Throttled, (await engine.Authenticator.AuthenticateAsync("victim@example.com", EngineHost.Password, null, MailProtocol.Imap)).Failure);
    }

    [Fact]
    public async Task Login_FailuresAreThrottledPerClientIp_AcrossAddresses()
    {
        await using var engine = await StartAsync(new() { ["Mail:Auth:MaxFailuresPerIp"] = "4" });
        await engine.CreateMailboxAsync("real@example.com");
        var ip = System.Net.IPAddress.Parse("192.0.2.7");
        for (var i = 0; i < 4; i++)
            await engine.Authenticator.AuthenticateAsync($"user{i}@example.com", "x", ip, MailProtocol.Pop3);
        Assert.Equal(AuthFailure.Throttled, (await engine.Authenticator.AuthenticateAsync("real@example.com", EngineHost.Password, ip, MailProtocol.Pop3)).Failure);
        Assert.True((await engine.Authenticator.AuthenticateAsync("real@example.com", EngineHost.Password, System.Net.IPAddress.Loopback, MailProtocol.Pop3)).Succeeded);
    }
}

public sealed class SqliteDirectoryAndAdminTests : DirectoryAndAdminRules
{
    protected override Task<EngineHost> StartAsync(Dictionary<string, string?>? settings = null) => EngineHost.StartAsync(settings);
}

public sealed class PostgresDirectoryAndAdminTests : DirectoryAndAdminRules
{
    protected override Task<EngineHost> StartAsync(Dictionary<string, string?>? settings = null) => EngineHost.StartPostgresAsync(settings);
}

/// <summary>Authentication rules that do not depend on the database provider.</summary>
public sealed class AuthenticatorTests
{
    [Fact]
    public async Task Argon2Login_IsCached_SoRepeatedLoginsDoNotPayTheHashAgain_AndAPasswordChangeInvalidatesIt()
    {
        await using var engine = await EngineHost.StartAsync();
        var hasher = new PasswordHasher();
        var spec = new MailboxSpec("argon@example.com", hasher.Hash("first"), 0, true, true, true, 0);
        await engine.Admin.EnsureMailboxAsync(spec);

        Assert.True((await engine.Authenticator.AuthenticateAsync("argon@example.com", "first", null, MailProtocol.Imap)).Succeeded);
        var afterFirst = engine.Authenticator.Verifications;
        for (var i = 0; i < 20; i++)
            Assert.True((await engine.Authenticator.AuthenticateAsync("argon@example.com", "first", null, MailProtocol.Imap)).Succeeded);
        Assert.Equal(afterFirst, engine.Authenticator.Verifications);

        // A wrong password is never answered from the cache.
        Assert.Equal(AuthFailure.InvalidCredentials, (await engine.Authenticator.AuthenticateAsync("argon@example.com", "firsT", null, MailProtocol.Imap)).Failure);
        Assert.Equal(afterFirst + 1, engine.Authenticator.Verifications);

        await engine.Admin.EnsureMailboxAsync(spec with { PasswordHash = hasher.Hash("second") });
        Assert.Equal(AuthFailure.InvalidCredentials, (await engine.Authenticator.AuthenticateAsync("argon@example.com", "first", null, MailProtocol.Imap)).Failure);
        Assert.True((await engine.Authenticator.AuthenticateAsync("argon@example.com", "second", null, MailProtocol.Imap)).Succeeded);
    }

    [Fact]
    public async Task UnknownUser_PaysOneFullArgon2VerificationLikeAKnownUser()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("known@example.com", new PasswordHasher().Hash("pw"), 0, true, true, true, 0));

        var before = engine.Authenticator.Verifications;
        Assert.Equal(AuthFailure.InvalidCredentials, (await engine.Authenticator.AuthenticateAsync("known@example.com", "wrong", null, MailProtocol.Imap)).Failure);
        Assert.Equal(AuthFailure.InvalidCredentials, (await engine.Authenticator.AuthenticateAsync("nobody@example.com", "wrong", null, MailProtocol.Imap)).Failure);
        Assert.Equal(before + 2, engine.Authenticator.Verifications);

        // The dummy has the shape and cost parameters of the hashes the panel writes, so both answers take as long.
        Assert.Matches(@"^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", MailAuthenticator.DummyHashForTests);
    }
}
