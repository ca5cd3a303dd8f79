using System.Net;
using System.Text.Json;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>Its own host: these tests take the databases and the store away under a running product.</summary>
public sealed class HealthHostFixture : MailHostFixture;

public sealed class HealthTests(HealthHostFixture host) : IClassFixture<HealthHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Live_IsOk_AndReady_ListsEveryCheck_AllHealthy()
    {
        using var client = host.CreateClient();
        var live = await client.GetAsync("/health/live", Ct);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("healthy", (await ReadAsync(live)).GetProperty("status").GetString());

        var (status, body) = await ReadyAsync(client);
        Assert.Equal(HttpStatusCode.OK, status);
        var names = body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["panel-database", "mail-database", "mail-store", "mail-listeners", "outbound-queue", "certificate", "provisioning-worker"], names);
        Assert.Empty(body.GetProperty("failing").EnumerateArray());
        // The self-signed certificate is valid for years: healthy, and said to be self-signed.
        Assert.Contains("self-signed", Check(body, "certificate").GetProperty("description").GetString());

        // The old endpoint answers as before.
        var old = await client.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal("ok", (await ReadAsync(old)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("panel.db", "panel-database")]
    [InlineData("mail.db", "mail-database")]
    public async Task Ready_Fails_WhileADatabaseIsGone_AndRecovers(string file, string check)
    {
        using var client = host.CreateClient();
        await WaitForAsync(client, HttpStatusCode.OK);
        var side = Path.Combine(host.DataDirectory, "away-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(side);
        // The database with its WAL and shared-memory files, as when the volume holding them goes away.
        var moved = new[] { file, file + "-wal", file + "-shm" }.Where(f => File.Exists(Path.Combine(host.DataDirectory, f))).ToList();
        foreach (var f in moved)
            File.Move(Path.Combine(host.DataDirectory, f), Path.Combine(side, f));
        try
        {
            var body = await WaitForAsync(client, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unhealthy", body.GetProperty("status").GetString());
            Assert.Contains(check, body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("unhealthy", Check(body, check).GetProperty("status").GetString());
            // The anonymous answer names the failure in its own words, never the exception's text (paths).
            Assert.DoesNotContain(host.DataDirectory, body.GetRawText());
        }
        finally
        {
            foreach (var f in moved)
                File.Move(Path.Combine(side, f), Path.Combine(host.DataDirectory, f), overwrite: true);
            SqliteConnection.ClearAllPools();
        }
        var recovered = await WaitForAsync(client, HttpStatusCode.OK);
        Assert.Empty(recovered.GetProperty("failing").EnumerateArray());
    }

    [Fact]
    public async Task Ready_Fails_WhileTheMessageStoreIsGone_AndRecovers()
    {
        using var client = host.CreateClient();
        await WaitForAsync(client, HttpStatusCode.OK);
        var store = Path.Combine(host.DataDirectory, "store");
        var away = store + "-away";
        Directory.Move(store, away);
        try
        {
            var body = await WaitForAsync(client, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(["mail-store"], body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()!).ToList());
        }
        finally
        {
            Directory.Move(away, store);
        }
        await WaitForAsync(client, HttpStatusCode.OK);
        // The probe leaves nothing behind in the store.
        Assert.Empty(Directory.EnumerateFiles(store, ".health-*", SearchOption.AllDirectories));
    }

    private static JsonElement Check(JsonElement body, string name) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static async Task<(HttpStatusCode, JsonElement)> ReadyAsync(HttpClient client)
    {
        var response = await client.GetAsync("/health/ready", Ct);
        return (response.StatusCode, await ReadAsync(response));
    }

    /// <summary>Polls readiness until it answers <paramref name="expected"/> (generous deadline for a loaded machine).</summary>
    private static async Task<JsonElement> WaitForAsync(HttpClient client, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (status, body) = await ReadyAsync(client);
            if (status == expected)
                return body;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"readiness stayed {status}: {body.GetRawText()}");
            await Task.Delay(200, Ct);
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();
}
