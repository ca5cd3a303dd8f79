using System.Text;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage;
using HostingPanel.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace HostingPanel.MailEngine.Tests;

/// <summary>
/// The engine hosted alone, as the web app would host it: a plain Host with AddMailEngine, a temporary
/// data directory and listeners on free loopback ports. One per test (they are cheap on SQLite).
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";
    private readonly IHost _host;
    private readonly string? _postgresDatabase;
    private readonly string? _postgresAdmin;

    private bool _ownsDataDirectory = true;
    private string _createdDirectory = "";

    private EngineHost(IHost host, string dataDirectory, string? postgresDatabase, string? postgresAdmin)
    {
        _host = host;
        DataDirectory = dataDirectory;
        _postgresDatabase = postgresDatabase;
        _postgresAdmin = postgresAdmin;
    }

    public string DataDirectory { get; }

    /// <summary>The PostgreSQL database this host uses (to start a second node on it).</summary>
    public string? PanelConnectionString => Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["ConnectionStrings:Panel"];
    public IServiceProvider Services => _host.Services;
    public IMailEngineAdmin Admin => Services.GetRequiredService<IMailEngineAdmin>();
    public MailStore Store => Services.GetRequiredService<MailStore>();
    public MailDirectory Directory => Services.GetRequiredService<MailDirectory>();
    public MailDelivery Delivery => Services.GetRequiredService<MailDelivery>();
    public MailAuthenticator Authenticator => Services.GetRequiredService<MailAuthenticator>();
    public int ImapPort => Services.GetRequiredService<IMailListenerRegistry>().GetPort("imap")!.Value;
    public int ImapsPort => Services.GetRequiredService<IMailListenerRegistry>().GetPort("imaps")!.Value;
    public int Pop3Port => Services.GetRequiredService<IMailListenerRegistry>().GetPort("pop3")!.Value;
    public int Pop3sPort => Services.GetRequiredService<IMailListenerRegistry>().GetPort("pop3s")!.Value;
    public int SmtpPort => Services.GetRequiredService<IMailListenerRegistry>().GetPort("smtp")!.Value;
    public int SubmissionPort => Services.GetRequiredService<IMailListenerRegistry>().GetPort("submission")!.Value;
    public int SubmissionsPort => Services.GetRequiredService<IMailListenerRegistry>().GetPort("submissions")!.Value;

    public static Task<EngineHost> StartAsync(Dictionary<string, string?>? settings = null) => StartAsync(postgres: false, settings);

    /// <summary>With services replaced after the engine registered its own (fault injection).</summary>
    public static Task<EngineHost> StartAsync(Dictionary<string, string?>? settings, Action<IServiceCollection> overrideServices) =>
        StartAsync(postgres: false, settings, overrideServices);

    /// <summary>
    /// On an existing data directory, which is left in place afterwards (restart tests); with
    /// <paramref name="postgresConnection"/>, also on that existing PostgreSQL database (another node).
    /// </summary>
    public static async Task<EngineHost> StartOnAsync(string dataDirectory, string? postgresConnection = null, Dictionary<string, string?>? extraSettings = null)
    {
        Dictionary<string, string?> settings = new(extraSettings ?? []) { ["Storage:DataDirectory"] = dataDirectory };
        if (postgresConnection is not null)
        {
            settings["Database:Provider"] = "PostgreSql";
            settings["ConnectionStrings:Panel"] = postgresConnection;
        }
        var engine = await StartAsync(postgres: false, settings);
        System.IO.Directory.Delete(engine._createdDirectory, recursive: true);
        engine._ownsDataDirectory = false;
        return engine;
    }

    /// <summary>On PostgreSQL (skips unless configured) with a database of its own.</summary>
    public static Task<EngineHost> StartPostgresAsync(Dictionary<string, string?>? settings = null) => StartAsync(postgres: true, settings);

    /// <summary>On PostgreSQL, with services replaced after the engine registered its own (a clock the test moves).</summary>
    public static Task<EngineHost> StartPostgresAsync(Dictionary<string, string?>? settings, Action<IServiceCollection> overrideServices) =>
        StartAsync(postgres: true, settings, overrideServices);

    private static async Task<EngineHost> StartAsync(bool postgres, Dictionary<string, string?>? settings, Action<IServiceCollection>? overrideServices = null)
    {
        // HOSTINGPANEL_TEST_ENGINE_PROVIDER=PostgreSql runs every engine test that does not choose a
        // database itself on PostgreSQL: a way to run the SQLite-only classes on the other provider by hand.
        postgres |= settings?.ContainsKey("Database:Provider") != true && settings?.ContainsKey("Storage:DataDirectory") != true
            && string.Equals(Environment.GetEnvironmentVariable("HOSTINGPANEL_TEST_ENGINE_PROVIDER"), "PostgreSql", StringComparison.OrdinalIgnoreCase);
        // After the PostgreSQL check below may skip: nothing to clean up then.
        var adminForCheck = postgres ? TestEnvironment.RequirePostgres() : null;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hp-engine-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dataDirectory);
        var config = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDirectory,
            ["Mail:Hostname"] = "mail.test",
            ["Mail:AllowPlaintextAuth"] = "true",
            ["Mail:Imap:Port"] = "-1",
            ["Mail:Imaps:Port"] = "-1",
            ["Mail:Pop3:Port"] = "-1",
            ["Mail:Pop3s:Port"] = "-1",
            ["Mail:Smtp:Port"] = "-1",
            ["Mail:Submission:Port"] = "-1",
            ["Mail:Submissions:Port"] = "-1",
            ["Mail:ManageSieve:Port"] = "-1",
            ["Mail:Auth:FailureDelay"] = "00:00:00",
        };
        string? database = null, adminConnection = null;
        if (postgres)
        {
            adminConnection = adminForCheck!;
            database = "hp_engine_" + Guid.NewGuid().ToString("N")[..12];
            await using (var c = new NpgsqlConnection(adminConnection))
            {
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE {database}", c);
                await cmd.ExecuteNonQueryAsync();
            }
            config["Database:Provider"] = "PostgreSql";
            config["ConnectionStrings:Panel"] = new NpgsqlConnectionStringBuilder(adminConnection) { Database = database }.ConnectionString;
        }
        foreach (var (k, v) in settings ?? [])
            config[k] = v;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddMailEngine(builder.Configuration);
        overrideServices?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return new EngineHost(host, config["Storage:DataDirectory"]!, database, adminConnection) { _createdDirectory = dataDirectory };
    }

    /// <summary>Creates a mailbox with a fast {SHA512-CRYPT} hash (the {ARGON2ID} tests are separate).</summary>
    public async Task<MailboxAccount> CreateMailboxAsync(string address, long quotaBytes = 0, bool pop3 = true, int retentionDays = 0, bool enabled = true)
    {
        await Admin.EnsureMailboxAsync(new MailboxSpec(address, Hash(Password), quotaBytes, enabled, true, pop3, retentionDays));
        return (await Directory.FindMailboxAsync(address))!;
    }

    private static readonly Dictionary<string, string> HashCache = [];
    public static string Hash(string password)
    {
        lock (HashCache)
        {
            if (!HashCache.TryGetValue(password, out var hash))
                HashCache[password] = hash = DovecotPassword.HashSha512Crypt(password);
            return hash;
        }
    }

    public async Task<DeliveryResult> DeliverAsync(MailboxAccount to, string message)
    {
        var results = await Delivery.DeliverAsync(new MemoryStream(Encoding.UTF8.GetBytes(message)), [to.Id]);
        return results[0];
    }

    public static string Message(string subject, string body = "Hello.\r\n", string from = "alice@example.org", string to = "bob@example.com") =>
        $"From: Alice <{from}>\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Fri, 27 Nov 2026 05:00:00 +0000\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\n{body}";

    public async Task<FolderInfo> InboxAsync(MailboxAccount account) => (await Store.GetFolderAsync(account.Id, "INBOX"))!;

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var c = new NpgsqlConnection(_postgresAdmin);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_postgresDatabase} WITH (FORCE)", c);
            await cmd.ExecuteNonQueryAsync();
        }
        if (_ownsDataDirectory)
            try { System.IO.Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
    }
}
