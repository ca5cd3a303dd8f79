using System.Net.Http.Headers;
using HostingPanel.Testing;
using HostingPanel.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostingPanel.Web.Tests.Infrastructure;

public enum TestProvider { Sqlite, PostgreSql }

/// <summary>
/// The real application (PanelHost, as `dotnet run` builds it) on a free loopback port with a temporary
/// data directory, on SQLite or on a fresh PostgreSQL database.
/// </summary>
public class PanelHostFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "admin-password-for-tests";
    public const string AdminApiKey = "hp_test_admin_key_0123456789abcdefghijklmnop";

    private readonly TestProvider _provider;
    private string? _postgresDatabase;

    public PanelHostFixture() : this(TestProvider.Sqlite) { }

    protected PanelHostFixture(TestProvider provider) => _provider = provider;

    public WebApplication App { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "hp-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Service changes for fixtures that inject faults; runs after the application registered its own services.</summary>
    protected virtual void OverrideServices(IServiceCollection services) { }

    /// <summary>Extra settings as `--Key=Value` pairs, for fixtures that need more (mail ports, roles).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> ExtraSettings() => [new("Roles", "Portal")];

    public async ValueTask InitializeAsync()
    {
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Storage:DataDirectory"] = DataDirectory,
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Bootstrap:ApiKey"] = AdminApiKey,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (_provider == TestProvider.PostgreSql)
        {
            // A skip thrown from a fixture would fail the class; tests call RequireAvailable() instead.
            if (string.IsNullOrWhiteSpace(TestEnvironment.PostgresConnectionString)) return;
            var server = TestEnvironment.PostgresConnectionString!;
            _postgresDatabase = $"hp_test_{Guid.NewGuid():N}";
            settings["Database:Provider"] = "PostgreSql";
            settings["ConnectionStrings:Panel"] = new NpgsqlConnectionStringBuilder(server) { Database = _postgresDatabase }.ToString();
        }
        foreach (var (k, v) in ExtraSettings()) settings[k] = v;

        App = PanelHost.Build(settings.Select(kv => $"--{kv.Key}={kv.Value}").ToArray(), overrideServices: OverrideServices);
        await PanelHost.StartAsync(App);
        var address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    /// <summary>Skips (or fails in CI) a test whose fixture could not start for want of PostgreSQL.</summary>
    public void RequireAvailable()
    {
        if (App is null) TestEnvironment.RequirePostgres();
    }

    /// <summary>A client that does not follow redirects, so tests see what the server answered.</summary>
    public HttpClient CreateClient(string? apiKey = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = BaseAddress };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public HttpClient CreateAdminApiClient() => CreateClient(AdminApiKey);

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

/// <summary>The same application on PostgreSQL.</summary>
public sealed class PostgresPanelHostFixture() : PanelHostFixture(TestProvider.PostgreSql);
