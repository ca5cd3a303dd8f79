// Measures how long a mailbox created through the REST API takes to accept IMAP and POP3 logins.
// Starts the product (the Release build of HostingPanel.Web) on a temporary data directory and free
// loopback ports, creates N mailboxes one after another, and for each polls IMAP and POP3 logins until
// both succeed. Prints p50/p95/p99 and a Markdown table row. Bounded: every wait has a deadline.
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;

var productDll = args.Length > 0 ? Path.GetFullPath(args[0]) : throw new ArgumentException("usage: hp-bench-provisioning PRODUCT_DLL [COUNT]");
var count = args.Length > 1 ? int.Parse(args[1]) : 50;
const string apiKey = "hp_bench_provisioning_key_0123456789abcdefghij";
const string password = "bench-mailbox-password";

int FreePort() { using var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return ((IPEndPoint)l.LocalEndpoint).Port; }
var (http, imap, pop3) = (FreePort(), FreePort(), FreePort());
var data = Path.Combine(Path.GetTempPath(), "hp-bench-prov-" + Guid.NewGuid().ToString("N"));
var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
foreach (var a in new[]
{
    productDll, $"--Urls=http://127.0.0.1:{http}", $"--Storage:DataDirectory={data}", $"--Bootstrap:ApiKey={apiKey}",
    "--Mail:AllowPlaintextAuth=true", $"--Mail:Imap:Port={imap}", $"--Mail:Pop3:Port={pop3}",
    "--Mail:Imaps:Port=0", "--Mail:Pop3s:Port=0", "--Mail:Smtp:Port=0", "--Mail:Submission:Port=0", "--Mail:Submissions:Port=0",
    "--Api:RateLimit:Burst=100000", "--Logging:LogLevel:Default=Warning",
    // Polling a mailbox that is not there yet is a failed login; the anti-guessing delay and throttle
    // would measure themselves, not provisioning.
    "--Mail:Auth:FailureDelay=00:00:00", "--Mail:Auth:MaxFailuresPerIp=1000000", "--Mail:Auth:MaxFailuresPerAddress=1000000",
}) info.ArgumentList.Add(a);
using var product = Process.Start(info)!;
var started = new TaskCompletionSource();
product.OutputDataReceived += (_, e) => { if (e.Data?.Contains("HostingPanel is running.") == true) started.TrySetResult(); };
product.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("product: " + e.Data); };
product.BeginOutputReadLine();
product.BeginErrorReadLine();
try
{
    if (await Task.WhenAny(started.Task, Task.Delay(TimeSpan.FromMinutes(2))) != started.Task) throw new TimeoutException("the product did not start within 2 minutes");
    using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
    api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    var customer = await (await api.PostAsJsonAsync("/api/v1/customers", new
    {
        name = "Bench", email = "bench@bench.example", password = "bench-customer-password",
        limits = new { maxDomains = 1, maxMailboxes = count, diskQuotaMb = count * 10 },
    })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
    (await api.PostAsJsonAsync("/api/v1/domains", new { name = "bench.example", customerId = customer.GetProperty("id").GetString() })).EnsureSuccessStatusCode();

    var latencies = new List<double>();
    for (var i = 0; i < count; i++)
    {
        var address = $"user{i}@bench.example";
        var sw = Stopwatch.StartNew();
        (await api.PostAsJsonAsync("/api/v1/domains/bench.example/mailboxes", new { localPart = $"user{i}", password, quotaMb = 10 })).EnsureSuccessStatusCode();
        bool imapOk = false, pop3Ok = false;
        while (!(imapOk && pop3Ok))
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{address} did not accept logins within 30 s");
            imapOk = imapOk || await TryImapAsync(address);
            pop3Ok = pop3Ok || await TryPop3Async(address);
            if (!(imapOk && pop3Ok)) await Task.Delay(5);
        }
        latencies.Add(sw.Elapsed.TotalMilliseconds);
    }
    latencies.Sort();
    double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
    Console.WriteLine($"provisioning: {count} mailboxes, API create -> IMAP and POP3 login: p50 {P(0.50):0} ms, p95 {P(0.95):0} ms, p99 {P(0.99):0} ms, max {latencies[^1]:0} ms");
    Console.WriteLine($"| Provisioning: API create mailbox → IMAP+POP3 login, p95 ({count} mailboxes) | {P(0.95):0} ms | n/a (no counterpart) | goal < 1000 ms |");
}
finally
{
    if (!product.HasExited) { product.Kill(entireProcessTree: true); await product.WaitForExitAsync(); }
    try { Directory.Delete(data, recursive: true); } catch (IOException) { }
}

async Task<bool> TryImapAsync(string address)
{
    using var client = new ImapClient();
    try
    {
        await client.ConnectAsync("127.0.0.1", imap, SecureSocketOptions.None);
        await client.AuthenticateAsync(address, password);
        return true;
    }
    catch (AuthenticationException) { return false; }
}

async Task<bool> TryPop3Async(string address)
{
    using var client = new Pop3Client();
    try
    {
        await client.ConnectAsync("127.0.0.1", pop3, SecureSocketOptions.None);
        await client.AuthenticateAsync(address, password);
        return true;
    }
    catch (AuthenticationException) { return false; }
}
