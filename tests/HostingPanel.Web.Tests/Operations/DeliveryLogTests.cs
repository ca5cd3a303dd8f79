using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>The product with its outbound queue relaying to a remote server of the test's own.</summary>
public sealed class DeliveryLogHostFixture : MailHostFixture
{
    public RemoteSmtpServer Remote { get; } = new()
    {
        // later@ is deferred (4xx), nobody@ refused for good (5xx); everyone else is accepted.
        RcptReply = rcpt => rcpt.StartsWith("later@", StringComparison.Ordinal) ? "451 4.3.0 try again later"
            : rcpt.StartsWith("nobody@", StringComparison.Ordinal) ? "550 5.1.1 no such user" : null,
    };

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Concat(
    [
        new("Mail:Relay:Host", "127.0.0.1"),
        new("Mail:Relay:Port", Remote.Port.ToString()),
        new("Mail:Relay:Security", "None"),
        new("Mail:Queue:RetryDelay", "01:00:00"),
        new("Mail:DeliveryLog:FlushInterval", "00:00:00.050"),
    ]);
}

/// <summary>
/// Every outcome of the delivery log, each produced through the real SMTP listeners (MX and submission) and the
/// outbound queue, read back through GET /api/v1/deliveries; tenants see only their domains' lines.
/// </summary>
public sealed class DeliveryLogTests(DeliveryLogHostFixture host) : IClassFixture<DeliveryLogHostFixture>
{
    private const string Domain = "track.example";
    private const string OtherDomain = "elsewhere-tenant.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly SemaphoreSlim Setup = new(1, 1);
    private static bool _ready;

    private async Task WorldAsync()
    {
        await Setup.WaitAsync(Ct);
        try
        {
            if (_ready) return;
            await MailWorld.CustomerWithDomainAsync(host, Domain, Ct);
            await MailWorld.CustomerWithDomainAsync(host, OtherDomain, Ct);
            await MailWorld.MailboxAsync(host, Domain, "inbox", ct: Ct);
            await MailWorld.MailboxAsync(host, Domain, "tiny", quotaMb: 1, ct: Ct);
            await MailWorld.MailboxAsync(host, OtherDomain, "them", ct: Ct);
            await MailWorld.AliasAsync(host, Domain, "team", [$"inbox@{Domain}", $"tiny@{Domain}"], Ct);
            await MailWorld.AliasAsync(host, Domain, "out", ["far@remote.example"], Ct);
            await MailWorld.AliasAsync(host, Domain, "slow", ["later@remote.example"], Ct);
            await MailWorld.AliasAsync(host, Domain, "gone", ["nobody@remote.example"], Ct);
            _ready = true;
        }
        finally
        {
            Setup.Release();
        }
    }

    [Fact]
    public async Task Mx_AcceptedAndDelivered_UnknownAndRelayRefused_EachLogged()
    {
        await WorldAsync();
        var id = NewId();
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("alice@sender.example", $"inbox@{Domain}", "hi", messageId: id), Ct));
        var lines = await WaitForAsync(id, 2);
        Assert.Contains(lines, l => Is(l, "accepted", $"inbox@{Domain}") && l["sender"]!.GetValue<string>() == "alice@sender.example");
        var delivered = Assert.Single(lines, l => Is(l, "delivered", $"inbox@{Domain}"));
        Assert.Equal(id, delivered["messageId"]!.GetValue<string>());
        Assert.True(delivered["size"]!.GetValue<long>() > 0);
        Assert.Equal("127.0.0.1", delivered["client"]!.GetValue<string>());

        var unknown = NewId();
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, await MailWorld.SendMxAsync(host, MailWorld.Message("alice@sender.example", $"missing@{Domain}", "x", messageId: unknown), Ct));
        var relay = NewId();
        Assert.NotNull(await MailWorld.SendMxAsync(host, MailWorld.Message("alice@sender.example", "someone@not-hosted.example", "x", messageId: relay), Ct));
        // Refused at RCPT TO, before any Message-ID was seen: found by address.
        var refused = await WaitForAddressAsync($"missing@{Domain}", l => Is(l, "refused", $"missing@{Domain}"));
        Assert.Contains("550 5.1.1", refused["detail"]!.GetValue<string>());
        var denied = await WaitForAddressAsync("someone@not-hosted.example", l => Is(l, "refused", "someone@not-hosted.example"));
        Assert.Contains("relaying denied", denied["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Alias_ToAFullMailbox_DeliversTheOthers_AndLogsTheBounce()
    {
        await WorldAsync();
        // tiny@ (1 MB) is filled almost to the brim, then a message to team@ fits inbox@ but not tiny@.
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("alice@sender.example", $"tiny@{Domain}", "fill", Lines(960_000)), Ct));
        var id = NewId();
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("alice@sender.example", $"team@{Domain}", "both", Lines(100_000), id), Ct));
        var lines = await WaitForAsync(id, 3);
        var dump = string.Join(" | ", lines.Select(l => l.ToJsonString()));
        Assert.True(lines.Any(l => Is(l, "accepted", $"team@{Domain}")), dump);
        Assert.True(lines.Count(l => Is(l, "bounced", $"tiny@{Domain}")) == 1, dump);
        Assert.Contains(lines, l => Is(l, "delivered", $"inbox@{Domain}") && l["detail"]!.GetValue<string>().Contains($"via <team@{Domain}>"));
        var bounced = Assert.Single(lines, l => Is(l, "bounced", $"tiny@{Domain}"));
        Assert.Contains("5.2.2", bounced["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Forwards_AreForwarded_ThenRelayedDeferredOrBounced_ByTheQueue()
    {
        await WorldAsync();
        var relayed = NewId();
        var deferred = NewId();
        var refused = NewId();
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("bob@sender.example", $"out@{Domain}", "a", messageId: relayed), Ct));
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("bob@sender.example", $"slow@{Domain}", "b", messageId: deferred), Ct));
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("bob@sender.example", $"gone@{Domain}", "c", messageId: refused), Ct));

        var a = await WaitForAsync(relayed, 3);
        Assert.Contains(a, l => Is(l, "forwarded", "far@remote.example") && l["detail"]!.GetValue<string>().Contains($"via <out@{Domain}>"));
        Assert.Contains(a, l => Is(l, "relayed", "far@remote.example"));
        var b = await WaitForAsync(deferred, 3);
        Assert.Contains(b, l => Is(l, "deferred", "later@remote.example") && l["detail"]!.GetValue<string>().Contains("451"));
        var c = await WaitForAsync(refused, 3);
        Assert.Contains(c, l => Is(l, "bounced", "nobody@remote.example") && l["detail"]!.GetValue<string>().Contains("550"));

        // The queue's lines belong to the domain whose alias queued them: its customer sees them, another does not.
        var owner = await CustomerClientAsync(Domain);
        Assert.Contains((await SearchAsync(owner, $"messageId={Uri.EscapeDataString(relayed)}")).Items, l => Is(l, "relayed", "far@remote.example"));
        var stranger = await CustomerClientAsync(OtherDomain);
        Assert.Equal(0, (await SearchAsync(stranger, $"messageId={Uri.EscapeDataString(relayed)}")).Total);
    }

    [Fact]
    public async Task Submission_ToAnotherServer_IsAcceptedQueuedAndRelayed()
    {
        await WorldAsync();
        var id = NewId();
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", host.Port("submission"), SecureSocketOptions.None, Ct);
            await smtp.AuthenticateAsync($"inbox@{Domain}", MailWorld.Password, Ct);
            await smtp.SendAsync(MailWorld.Message($"inbox@{Domain}", "friend@remote.example", "out", messageId: id), Ct);
            await smtp.DisconnectAsync(true, Ct);
        }
        var lines = await WaitForAsync(id, 3);
        Assert.Contains(lines, l => Is(l, "accepted", "friend@remote.example") && l["client"]!.GetValue<string>().Contains($"inbox@{Domain}"));
        Assert.Contains(lines, l => Is(l, "queued", "friend@remote.example"));
        Assert.Contains(lines, l => Is(l, "relayed", "friend@remote.example"));
    }

    [Fact]
    public async Task Tenants_SeeOnlyTheirDomainsLines_StaffSeeAll_AndPagesAreBounded()
    {
        await WorldAsync();
        var mine = NewId();
        var theirs = NewId();
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("spoof@" + OtherDomain, $"inbox@{Domain}", "to A", messageId: mine), Ct));
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message($"inbox@{Domain}", $"them@{OtherDomain}", "to B", messageId: theirs), Ct));
        await WaitForAsync(mine, 2);
        await WaitForAsync(theirs, 2);

        var a = await CustomerClientAsync(Domain);
        var b = await CustomerClientAsync(OtherDomain);
        // A's mailbox received `mine`; the sender's claim to be B's does not show it to B.
        Assert.Equal(2, (await SearchAsync(a, $"messageId={mine}")).Total);
        Assert.Equal(0, (await SearchAsync(b, $"messageId={mine}")).Total);
        Assert.Equal(2, (await SearchAsync(b, $"messageId={theirs}")).Total);
        Assert.Equal(0, (await SearchAsync(a, $"messageId={theirs}")).Total);
        // Refusals for domains nobody hosts are staff's only.
        Assert.Equal(0, (await SearchAsync(a, "address=someone@not-hosted.example")).Total);

        using var admin = host.CreateAdminApiClient();
        var page = await SearchAsync(admin, "pageSize=1");
        Assert.Single(page.Items);
        Assert.True(page.Total > 1);
        Assert.Equal(0, (await SearchAsync(admin, "since=2999-01-01T00:00:00Z")).Total);
        // Bad filters are 400 with the field named.
        var bad = await admin.GetAsync("/api/v1/deliveries?since=yesterday", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errors"]!["since"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/v1/deliveries?pageSize=100000", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/v1/deliveries?address=" + new string('a', 400), Ct)).StatusCode);
        // Hostile filter text is a value, never SQL.
        Assert.Equal(0, (await SearchAsync(admin, "address=" + Uri.EscapeDataString("x' OR '1'='1"))).Total);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.CreateClient().GetAsync("/api/v1/deliveries", Ct)).StatusCode);
    }

    [Fact]
    public async Task Routing_ExplainsAliasesForwardsQuotaAndCatchAll_InScopeOnly()
    {
        await WorldAsync();
        var a = await CustomerClientAsync(Domain);
        var team = await RoutingAsync(a, $"team@{Domain}");
        Assert.True(team["accepted"]!.GetValue<bool>());
        Assert.Equal("alias", Hop(team, $"team@{Domain}")["kind"]!.GetValue<string>());
        Assert.Equal($"team@{Domain}", Hop(team, $"inbox@{Domain}")["via"]!.GetValue<string>());
        Assert.Equal("mailbox", Hop(team, $"tiny@{Domain}")["kind"]!.GetValue<string>());

        var forward = await RoutingAsync(a, $"out@{Domain}");
        Assert.Equal(new[] { "far@remote.example" }, forward["external"]!.AsArray().Select(e => e!.GetValue<string>()).ToArray());
        Assert.Equal("external", Hop(forward, "far@remote.example")["kind"]!.GetValue<string>());

        var unknown = await RoutingAsync(a, $"nobody-here@{Domain}");
        Assert.False(unknown["accepted"]!.GetValue<bool>());
        Assert.StartsWith("550 5.1.1", unknown["smtpReply"]!.GetValue<string>());

        // Another customer's address, or one nobody hosts, does not exist for this customer.
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync($"/api/v1/routing?address=them@{OtherDomain}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.GetAsync("/api/v1/routing?address=x@not-hosted.example", Ct)).StatusCode);
        var bad = await a.GetAsync("/api/v1/routing?address=not-an-address", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errors"]!["address"]);

        // A catch-all added now is used at once (on the other domain: the tests here expect unknown addresses in this one); staff may check any address.
        await MailWorld.AliasAsync(host, OtherDomain, "*", [$"them@{OtherDomain}"], Ct);
        var caught = await RoutingAsync(host.CreateAdminApiClient(), $"anything-else@{OtherDomain}");
        Assert.True(caught["accepted"]!.GetValue<bool>());
        Assert.Equal("catchAll", Hop(caught, $"anything-else@{OtherDomain}")["kind"]!.GetValue<string>());
        Assert.Equal($"anything-else@{OtherDomain}", Hop(caught, $"them@{OtherDomain}")["via"]!.GetValue<string>());
        var notHosted = await RoutingAsync(host.CreateAdminApiClient(), "x@not-hosted.example");
        Assert.StartsWith("554 5.7.1", notHosted["smtpReply"]!.GetValue<string>());
    }

    private static bool Is(JsonNode l, string outcome, string recipient) =>
        l["outcome"]!.GetValue<string>() == outcome && l["recipient"]!.GetValue<string>() == recipient;

    private static JsonNode Hop(JsonObject report, string address) =>
        report["hops"]!.AsArray().Single(h => h!["address"]!.GetValue<string>() == address)!;

    /// <summary>A plain-text body of about <paramref name="bytes"/> in short lines (long lines would be re-encoded larger).</summary>
    private static string Lines(int bytes) => string.Concat(Enumerable.Repeat(new string('x', 74) + "\n", bytes / 75));

    private static string NewId() => $"{Guid.NewGuid():N}@track.test";

    private async Task<HttpClient> CustomerClientAsync(string domain)
    {
        using var admin = host.CreateAdminApiClient();
        var response = await admin.PostAsJsonAsync("/api/v1/apikeys", new { name = "tracking " + Guid.NewGuid().ToString("N")[..6], userEmail = $"owner@{domain}" }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return host.CreateClient((await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["key"]!.GetValue<string>());
    }

    private static async Task<(List<JsonNode> Items, long Total)> SearchAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/api/v1/deliveries?" + query, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        return (body["items"]!.AsArray().Select(i => i!).ToList(), body["total"]!.GetValue<long>());
    }

    private static async Task<JsonObject> RoutingAsync(HttpClient client, string address)
    {
        var response = await client.GetAsync("/api/v1/routing?address=" + Uri.EscapeDataString(address), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    /// <summary>Lines are written in batches off the delivery path, and the queue works on its own: poll, with a generous deadline.</summary>
    private async Task<List<JsonNode>> WaitForAsync(string messageId, int atLeast)
    {
        using var admin = host.CreateAdminApiClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (items, _) = await SearchAsync(admin, "messageId=" + Uri.EscapeDataString("<" + messageId + ">"));
            if (items.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                Assert.True(items.Count >= atLeast, $"only {items.Count} line(s) for {messageId}: {string.Join(" | ", items.Select(i => i.ToJsonString()))}");
                return items;
            }
            await Task.Delay(100, Ct);
        }
    }

    private async Task<JsonNode> WaitForAddressAsync(string address, Func<JsonNode, bool> match)
    {
        using var admin = host.CreateAdminApiClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (items, _) = await SearchAsync(admin, "address=" + Uri.EscapeDataString(address));
            if (items.FirstOrDefault(match) is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"no matching line for {address}: {string.Join(" | ", items.Select(i => i.ToJsonString()))}");
            await Task.Delay(100, Ct);
        }
    }
}
