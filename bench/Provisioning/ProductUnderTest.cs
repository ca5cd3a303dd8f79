using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Npgsql;

namespace HostingPanel.Bench.Provisioning;

/// <summary>
/// The real product (Release build of HostingPanel.Web: portal, API, worker and engine in one process) on a
/// temporary data directory and free loopback ports, on SQLite or on a fresh PostgreSQL database that is
/// dropped afterwards.
/// </summary>
public sealed class ProductUnderTest : IAsyncDisposable
{
    public const string ApiKey = "hp_bench_provisioning_key_0123456789abcdefghij";

    private readonly Process _process;
    private readonly string _data;
    private readonly string? _postgresServer;
    private readonly string? _postgresDatabase;

    public int HttpPort { get; }
    public int ImapPort { get; }
    public int Pop3Port { get; }
    public HttpClient Api { get; }

    /// <summary>CPU time the product has used so far: on a shared machine a steadier measure than the wall clock.</summary>
    public TimeSpan Cpu { get { _process.Refresh(); return _process.TotalProcessorTime; } }

    private ProductUnderTest(Process process, string data, int http, int imap, int pop3, string? postgresServer, string? postgresDatabase)
    {
        (_process, _data, HttpPort, ImapPort, Pop3Port, _postgresServer, _postgresDatabase) = (process, data, http, imap, pop3, postgresServer, postgresDatabase);
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromMinutes(2) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
    }

    /// <param name="postgresServer">Null: SQLite. Otherwise a server where a database may be created.</param>
    public static async Task<ProductUnderTest> StartAsync(string productDll, string? postgresServer, params string[] extraArgs)
    {
        var (http, imap, pop3) = (FreePort(), FreePort(), FreePort());
        var data = Path.Combine(Path.GetTempPath(), "hp-bench-prov-" + Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        string? database = null;
        var args = new List<string>
        {
            productDll, $"--Urls=http://127.0.0.1:{http}", $"--Storage:DataDirectory={data}", $"--Bootstrap:ApiKey={ApiKey}",
            "--Mail:AllowPlaintextAuth=true", $"--Mail:Imap:Port={imap}", $"--Mail:Pop3:Port={pop3}",
            "--Mail:Imaps:Port=0", "--Mail:Pop3s:Port=0", "--Mail:Smtp:Port=0", "--Mail:Submission:Port=0", "--Mail:Submissions:Port=0", "--Mail:ManageSieve:Port=0",
            "--Api:RateLimit:Burst=100000", "--Api:RateLimit:PerSecond=100000", "--Logging:LogLevel:Default=Warning",
            // Polling a mailbox that is not there yet is a failed login; the anti-guessing delay and throttle
            // would measure themselves, not provisioning.
            "--Mail:Auth:FailureDelay=00:00:00", "--Mail:Auth:MaxFailuresPerIp=1000000", "--Mail:Auth:MaxFailuresPerAddress=1000000",
        };
        if (postgresServer is not null)
        {
            database = "hp_bench_" + Guid.NewGuid().ToString("N");
            args.Add("--Database:Provider=PostgreSql");
            args.Add("--ConnectionStrings:Panel=" + new NpgsqlConnectionStringBuilder(postgresServer) { Database = database });
        }
        args.AddRange(extraArgs);
        foreach (var a in args) info.ArgumentList.Add(a);

        var process = Process.Start(info)!;
        var started = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) => { if (e.Data?.Contains("HostingPanel is running.") == true) started.TrySetResult(); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("product: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var product = new ProductUnderTest(process, data, http, imap, pop3, postgresServer, database);
        if (await Task.WhenAny(started.Task, Task.Delay(TimeSpan.FromMinutes(2))) != started.Task)
        {
            await product.DisposeAsync();
            throw new TimeoutException("the product did not start within 2 minutes");
        }
        return product;
    }

    public async Task<JsonElement> PostAsync(string path, object body)
    {
        using var response = await Api.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A CSV body (the bulk import endpoints); refused lines count as a failure.</summary>
    public async Task<JsonElement> PostCsvAsync(string path, string csv)
    {
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        using var response = await Api.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {text}");
        if (text.Contains("\"refuse\"", StringComparison.Ordinal) && text.Contains("\"action\":\"refuse\"", StringComparison.Ordinal))
            throw new HttpRequestException($"POST {path}: lines refused: {text[..Math.Min(600, text.Length)]}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A customer with one domain and room for <paramref name="mailboxes"/> mailboxes of <paramref name="quotaMb"/> MB.</summary>
    public async Task CreateCustomerWithDomainAsync(string domain, int mailboxes, int quotaMb)
    {
        var customer = await PostAsync("/api/v1/customers", new
        {
            name = "Bench " + domain, email = "owner@" + domain, password = "bench-customer-password",
            limits = new { maxDomains = 1, maxMailboxes = mailboxes, diskQuotaMb = (long)mailboxes * quotaMb },
        });
        await PostAsync("/api/v1/domains", new { name = domain, customerId = customer.GetProperty("id").GetString() });
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        _process.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(_postgresServer);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private static int FreePort() { using var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return ((IPEndPoint)l.LocalEndpoint).Port; }
}
