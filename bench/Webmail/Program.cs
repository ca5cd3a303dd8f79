// Measures webmail latency as a browser sees it, against the product (the Release build of HostingPanel.Web)
// started on a temporary data directory and free loopback ports: a mailbox gets COUNT small messages and one
// 2 MB message (text, HTML and a large attachment) by IMAP APPEND, a webmail session signs in over HTTP, and
// after a warm-up each request is timed ROUNDS times: the INBOX's first page (folders, SORT, one page FETCH),
// the 2 MB message's page (BODYSTRUCTURE and text part) and its sanitized HTML frame (the webmail keeps the
// sanitized copy, so after the first view that is the cached path); then the first view of each of ROUNDS/5
// further messages holding the same 200 KB table (fetch and sanitize, nothing cached). Prints p50/p95/p99.
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

var productDll = args.Length > 0 ? Path.GetFullPath(args[0]) : throw new ArgumentException("usage: hp-bench-webmail PRODUCT_DLL [COUNT] [ROUNDS]");
var count = args.Length > 1 ? int.Parse(args[1]) : 10_000;
var rounds = args.Length > 2 ? int.Parse(args[2]) : 100;
const string apiKey = "hp_bench_webmail_key_0123456789abcdefghijklmn";
const string password = "bench-mailbox-password";
const string address = "reader@bench.example";

int FreePort() { using var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return ((IPEndPoint)l.LocalEndpoint).Port; }
var (http, imap, imaps) = (FreePort(), FreePort(), FreePort());
var data = Path.Combine(Path.GetTempPath(), "hp-bench-webmail-" + Guid.NewGuid().ToString("N"));
var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
foreach (var a in new[]
{
    productDll, $"--Urls=http://127.0.0.1:{http}", $"--Storage:DataDirectory={data}", $"--Bootstrap:ApiKey={apiKey}",
    "--Mail:AllowPlaintextAuth=true", $"--Mail:Imap:Port={imap}", $"--Mail:Imaps:Port={imaps}",
    "--Mail:Pop3:Port=0", "--Mail:Pop3s:Port=0", "--Mail:Smtp:Port=0", "--Mail:Submission:Port=0", "--Mail:Submissions:Port=0", "--Mail:ManageSieve:Port=0",
    "--Api:RateLimit:Burst=100000", "--Logging:LogLevel:Default=Warning",
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
        limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 2000 },
    })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
    (await api.PostAsJsonAsync("/api/v1/domains", new { name = "bench.example", customerId = customer.GetProperty("id").GetString() })).EnsureSuccessStatusCode();
    (await api.PostAsJsonAsync("/api/v1/domains/bench.example/mailboxes", new { localPart = "reader", password, quotaMb = 2000 })).EnsureSuccessStatusCode();

    var seed = Stopwatch.StartNew();
    var firstViews = Math.Max(10, rounds / 5);
    var (bigUid, tableUids) = await SeedAsync(firstViews);
    Console.Error.WriteLine($"webmail bench: {count} messages and one 2 MB message appended in {seed.Elapsed.TotalSeconds:0.0} s");

    using var browser = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
    var login = await browser.GetStringAsync("/webmail/login");
    var token = WebUtility.HtmlDecode(Regex.Match(login, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
    var signIn = await browser.PostAsync("/webmail/login", new FormUrlEncodedContent(new Dictionary<string, string>
    { ["Email"] = address, ["Password"] = password, ["__RequestVerificationToken"] = token }));
    if (signIn.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException("webmail sign-in failed: " + signIn.StatusCode);

    var first = await TimeAsync(browser, "/webmail?folder=INBOX", "Sender 9999", rounds);
    var open = await TimeAsync(browser, $"/webmail/message?folder=INBOX&uid={bigUid}", "Large report", rounds);
    var frame = await TimeAsync(browser, $"/webmail/message/body?folder=INBOX&uid={bigUid}", "Quarterly figures", rounds);
    var sorted = await TimeAsync(browser, "/webmail?folder=INBOX&sort=subject", "Sender", Math.Max(10, rounds / 5));
    // Each of these is opened once: nothing of it is cached, so this is what a reader waits for the first time.
    var fresh = new List<double>();
    foreach (var uid in tableUids)
    {
        var sw = Stopwatch.StartNew();
        await Get(browser, $"/webmail/message/body?folder=INBOX&uid={uid}", "Quarterly figures");
        fresh.Add(sw.Elapsed.TotalMilliseconds);
    }
    fresh.Sort();
    Report($"Webmail: first page of a {count:N0}-message INBOX, newest first (folders, FETCH 50)", first);
    Report($"Webmail: first page of a {count:N0}-message INBOX sorted by subject (SORT, FETCH 50)", sorted);
    Report("Webmail: open a 2 MB message (page: BODYSTRUCTURE, text part)", open);
    Report("Webmail: the 2 MB message's HTML frame, viewed again (sanitized copy cached after the first view)", frame);
    Report($"Webmail: HTML frame of a 200 KB table message, first view ({firstViews} different messages: fetch + sanitize)", fresh);
}
finally
{
    if (!product.HasExited) { product.Kill(entireProcessTree: true); await product.WaitForExitAsync(); }
    try { Directory.Delete(data, recursive: true); } catch (IOException) { }
}

async Task<(uint Big, IList<UniqueId> Tables)> SeedAsync(int tables)
{
    using var client = new ImapClient();
    await client.ConnectAsync("127.0.0.1", imap, SecureSocketOptions.None);
    await client.AuthenticateAsync(address, password);
    var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    var random = new Random(20261127);
    for (var start = 0; start < count; start += 500)
    {
        var batch = new List<IAppendRequest>();
        for (var i = start; i < Math.Min(count, start + 500); i++)
        {
            var m = new MimeMessage();
            m.From.Add(new MailboxAddress($"Sender {i}", $"sender{i % 300}@example.org"));
            m.To.Add(MailboxAddress.Parse(address));
            m.Subject = $"Message {i}: {(i % 7 == 0 ? "Re: " : "")}topic {i % 97}";
            m.Date = t0.AddMinutes(i);
            m.Body = new TextPart("plain") { Text = string.Join("\n", Enumerable.Range(0, 10 + random.Next(40)).Select(l => $"Line {l} of message {i}, some ordinary words.")) };
            batch.Add(new AppendRequest(m, i % 3 == 0 ? MessageFlags.Seen : MessageFlags.None));
        }
        await client.Inbox.AppendAsync(batch);
    }
    var big = new MimeMessage();
    big.From.Add(new MailboxAddress("Finance", "finance@example.org"));
    big.To.Add(MailboxAddress.Parse(address));
    big.Subject = "Large report";
    big.Date = t0.AddMinutes(count + 1);
    var html = Table(0);
    var attachment = new byte[1_900_000];
    random.NextBytes(attachment);
    var builder = new BodyBuilder { TextBody = "Quarterly figures: see the table and the attachment.", HtmlBody = html.ToString() };
    builder.Attachments.Add("figures.bin", attachment);
    big.Body = builder.ToMessageBody();
    var uid = await client.Inbox.AppendAsync(new AppendRequest(big));
    // The same table (numbered differently) as HTML-only messages, for first views.
    var copies = new List<IAppendRequest>();
    for (var c = 1; c <= tables; c++)
    {
        var copy = new MimeMessage();
        copy.From.Add(new MailboxAddress("Finance", "finance@example.org"));
        copy.To.Add(MailboxAddress.Parse(address));
        copy.Subject = $"Report copy {c}";
        copy.Date = t0.AddMinutes(count + 1 + c);
        copy.Body = new BodyBuilder { TextBody = "Quarterly figures.", HtmlBody = Table(c) }.ToMessageBody();
        copies.Add(new AppendRequest(copy));
    }
    var tableUids = await client.Inbox.AppendAsync(copies);
    await client.DisconnectAsync(true);
    return (uid?.Id ?? throw new InvalidOperationException("no APPENDUID"), tableUids);
}

/// <summary>A 2,000-row table with an inline style on every row's first cell (about 200 KB), as reports and newsletters are.</summary>
static string Table(int copy)
{
    var html = new StringBuilder("<h1>Quarterly figures</h1><table>");
    for (var r = 0; r < 2000; r++) html.Append($"<tr><td style=\"color:#333\">Row {(copy == 0 ? $"{r}" : $"{r}.{copy}")}</td><td><a href=\"https://example.org/{r}\">detail</a></td></tr>");
    return html.Append("</table>").ToString();
}

async Task<List<double>> TimeAsync(HttpClient browser, string path, string expect, int n)
{
    for (var i = 0; i < 5; i++) await Get(browser, path, expect); // warm-up: JIT, pool, caches
    var times = new List<double>(n);
    for (var i = 0; i < n; i++)
    {
        var sw = Stopwatch.StartNew();
        await Get(browser, path, expect);
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    return times;
}

async Task Get(HttpClient browser, string path, string expect)
{
    var response = await browser.GetAsync(path);
    var body = await response.Content.ReadAsStringAsync();
    if (response.StatusCode != HttpStatusCode.OK || !body.Contains(expect, StringComparison.Ordinal))
        throw new InvalidOperationException($"{path}: {response.StatusCode}, expected text '{expect}' missing");
}

static void Report(string label, List<double> t)
{
    double P(double q) => t[Math.Min(t.Count - 1, (int)Math.Ceiling(q * t.Count) - 1)];
    Console.WriteLine($"{label}: p50 {P(0.50):0.0} ms, p95 {P(0.95):0.0} ms, p99 {P(0.99):0.0} ms, max {t[^1]:0.0} ms ({t.Count} requests)");
    Console.WriteLine($"| {label} | p50 {P(0.50):0} ms, p95 {P(0.95):0} ms | goal p95 < 200 ms |");
}
