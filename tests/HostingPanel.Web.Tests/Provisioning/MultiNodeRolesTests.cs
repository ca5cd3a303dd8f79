using HostingPanel.MailEngine.Listeners;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.Provisioning;
using HostingPanel.Testing;
using HostingPanel.Web.Hosting;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>
/// Issue 8 and the README's multi-node story, as it really is: the worker applies changes through the
/// mail engine in its own process, so it runs on the node with the Mail role. Portal nodes and one
/// Worker,Mail node share one PostgreSQL; the worker finds the portal nodes' outbox records by polling
/// (the in-process wake-up does not cross processes). Roles=Portal,Worker alone runs no worker.
/// </summary>
public sealed class MultiNodeRolesTests : IAsyncDisposable
{
    private const string ApiKey = "hp_multinode_key_0123456789abcdefghijklmnopq";
    private const string Password = "multinode-password-1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly List<WebApplication> _apps = [];
    private readonly List<string> _directories = [];
    private string? _database;

    [Fact]
    public async Task PortalNode_AndWorkerMailNode_OnOnePostgres_AMailboxCreatedOnThePortalNodeBecomesActiveAndLogsInOnTheMailNode()
    {
        var server = TestEnvironment.RequirePostgres();
        _database = $"hp_test_{Guid.NewGuid():N}";
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ToString();

        // The mail node first: it creates the schema both nodes use.
        var mailNode = await StartAsync(connection, "Worker,Mail",
            [new("Mail:Pop3:Port", "-1"), new("Mail:AllowPlaintextAuth", "true"), new("Mail:Auth:FailureDelay", "00:00:00")]);
        var portalNode = await StartAsync(connection, "Portal", []);
        Assert.Empty(Loops(portalNode).OfType<OutboxProcessor>());
        Assert.Single(Loops(mailNode).OfType<OutboxProcessor>());

        using var api = new HttpClient { BaseAddress = new Uri(Address(portalNode)) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        var customer = await PostAsync(api, "/api/v1/customers", new
        {
            name = "Nodes", email = "owner@nodes.example", password = "customer-password-1",
            limits = new { maxDomains = 1, maxMailboxes = 5, diskQuotaMb = 100 },
        });
        await PostAsync(api, "/api/v1/domains", new { name = "nodes.example", customerId = customer.GetProperty("id").GetString() });
        var created = await PostAsync(api, "/api/v1/domains/nodes.example/mailboxes", new { localPart = "adam", password = Password, quotaMb = 10 });
        Assert.Equal("pending", created.GetProperty("status").GetString());

        // Polling (Provisioning:PollInterval, 2 s by default) is what carries the change across nodes.
        var sw = Stopwatch.StartNew();
        string? status;
        do
        {
            status = (await api.GetFromJsonAsync<JsonElement>("/api/v1/domains/nodes.example/mailboxes/adam", Ct)).GetProperty("status").GetString();
            if (status == "active") break;
            await Task.Delay(100, Ct);
        } while (sw.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Equal("active", status);

        var pop3Port = mailNode.Services.GetRequiredService<IMailListenerRegistry>().GetPort("pop3")!.Value;
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", pop3Port, SecureSocketOptions.None, Ct);
        await pop.AuthenticateAsync("adam@nodes.example", Password, Ct);
        Assert.Equal(0, pop.Count);
    }

    [Fact]
    public async Task WorkerRoleWithoutMail_RunsNoWorkerLoop()
    {
        var node = await StartAsync(null, "Portal,Worker", []);
        var hosted = Loops(node).ToList();
        Assert.Empty(hosted.OfType<OutboxProcessor>());
        Assert.Empty(hosted.OfType<UsageSync>());
        Assert.Empty(hosted.OfType<MaintenanceLoop>());
    }

    [Fact]
    public async Task TwoWorkerMailNodes_OnOnePostgres_OneLeads_AndTheStandbyStaysReady_PastTheWorkersMaxSilence()
    {
        var server = TestEnvironment.RequirePostgres();
        _database = $"hp_test_{Guid.NewGuid():N}";
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = _database }.ToString();
        KeyValuePair<string, string>[] extra = [new("Health:WorkerMaxSilence", "00:00:03")];
        var first = await StartAsync(connection, "Worker,Mail", extra);
        var second = await StartAsync(connection, "Worker,Mail", extra);
        var nodes = new[] { first, second };
        static bool Leads(WebApplication node) => node.Services.GetRequiredService<HostingPanel.MailEngine.Hosting.WorkerLeadership>().IsLeader;

        var sw = Stopwatch.StartNew();
        while (!nodes.Any(Leads) && sw.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(100, Ct);
        var standby = Assert.Single(nodes, n => !Leads(n));
        var leader = Assert.Single(nodes, Leads);

        // Well past Health:WorkerMaxSilence: the standby runs no loop, by design, and must not be taken out of the balancer for it.
        await Task.Delay(TimeSpan.FromSeconds(6), Ct);
        using var client = new HttpClient { BaseAddress = new Uri(Address(standby)) };
        var ready = await client.GetAsync("/health/ready", Ct);
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Ct)).RootElement;
        var worker = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "provisioning-worker");
        Assert.Equal("healthy", worker.GetProperty("status").GetString());
        Assert.Contains("standing by", worker.GetProperty("description").GetString());
        Assert.True(ready.IsSuccessStatusCode, body.ToString());

        // The leader's own check measures its worker (its verdict depends on the machine's pace, so only its kind is checked).
        using var leaderClient = new HttpClient { BaseAddress = new Uri(Address(leader)) };
        var leaderBody = JsonDocument.Parse(await (await leaderClient.GetAsync("/health/ready", Ct)).Content.ReadAsStringAsync(Ct)).RootElement;
        var leaderWorker = leaderBody.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "provisioning-worker");
        Assert.DoesNotContain("standing by", leaderWorker.GetProperty("description").GetString());
    }

    /// <summary>The hosted services, with the worker's loops taken out of their leader-only wrapper.</summary>
    private static IEnumerable<IHostedService> Loops(WebApplication node) =>
        node.Services.GetServices<IHostedService>().Select(h => h is HostingPanel.MailEngine.Hosting.LeaderOnlyService l ? l.Inner : h);

    private async Task<WebApplication> StartAsync(string? postgres, string roles, KeyValuePair<string, string>[] extra)
    {
        var data = Path.Combine(Path.GetTempPath(), "hp-nodes", Guid.NewGuid().ToString("N"));
        _directories.Add(data);
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = "http://127.0.0.1:0", ["Storage:DataDirectory"] = data, ["Roles"] = roles,
            ["Bootstrap:AdminEmail"] = "admin@example.com", ["Bootstrap:AdminPassword"] = "admin-password-for-tests", ["Bootstrap:ApiKey"] = ApiKey,
            ["Logging:LogLevel:Default"] = "Warning", ["Provisioning:ReconcileStartDelay"] = "01:00:00",
        };
        foreach (var key in new[] { "Imap", "Imaps", "Pop3", "Pop3s", "Smtp", "Submission", "Submissions", "ManageSieve" })
            settings[$"Mail:{key}:Port"] = "0";
        if (postgres is not null)
        {
            settings["Database:Provider"] = "PostgreSql";
            settings["ConnectionStrings:Panel"] = postgres;
        }
        foreach (var (k, v) in extra) settings[k] = v;
        var app = PanelHost.Build(settings.Select(kv => $"--{kv.Key}={kv.Value}").ToArray());
        _apps.Add(app);
        await PanelHost.StartAsync(app, Ct);
        return app;
    }

    private static string Address(WebApplication app) => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static async Task<JsonElement> PostAsync(HttpClient api, string path, object body)
    {
        var response = await api.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        foreach (var d in _directories)
            try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }
}
