using System.Security.Cryptography;
using System.Text;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Usage: CrashHarness <data directory> <first message id> [listen]
// Without "listen": delivers messages from 8 concurrent writers into crash@example.com and prints
// "ACK <id>" only after DeliverAsync returned Delivered, i.e. when an SMTP server would answer 250.
// With "listen": runs the real SMTP (MX) and IMAP listeners on free loopback ports, prints
// "PORTS <smtp> <imap>" and "READY", and waits; the test's own clients deliver and APPEND, and
// count a message as acknowledged when they read 250 or OK.
var dataDirectory = args[0];
var nextId = long.Parse(args[1]);
var listen = args.Length > 2 && args[2] == "listen";

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Storage:DataDirectory"] = dataDirectory,
    ["Mail:Pop3:Port"] = "0",
    ["Mail:Pop3s:Port"] = "0",
    // Only the store is exercised: no listener may need a port (or collide with a running product).
    ["Mail:Imap:Port"] = listen ? "-1" : "0",
    ["Mail:Imaps:Port"] = "0",
    ["Mail:Smtp:Port"] = listen ? "-1" : "0",
    ["Mail:Submission:Port"] = "0",
    ["Mail:Submissions:Port"] = "0",
    ["Mail:ManageSieve:Port"] = "0",
    ["Mail:Hostname"] = "crash.test",
    ["Mail:AllowPlaintextAuth"] = "true",
    ["Mail:Auth:FailureDelay"] = "00:00:00",
});
// HOSTINGPANEL_CRASH_POSTGRES: the engine runs on that PostgreSQL database as one node of several (issue 24's kill test).
if (Environment.GetEnvironmentVariable("HOSTINGPANEL_CRASH_POSTGRES") is { Length: > 0 } postgres)
{
    builder.Configuration["Database:Provider"] = "PostgreSql";
    builder.Configuration["ConnectionStrings:Panel"] = postgres;
    builder.Configuration["Mail:Pop3:Port"] = listen ? "-1" : "0";
}
// HOSTINGPANEL_CRASH_SETTINGS: a JSON object of further settings, applied last (a node on a machine of its own in
// a network namespace binds its address and the real ports, takes PROXY headers from the balancer, keeps bodies in S3).
if (Environment.GetEnvironmentVariable("HOSTINGPANEL_CRASH_SETTINGS") is { Length: > 0 } settings)
{
    foreach (var (key, value) in System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string?>>(settings)!)
        builder.Configuration[key] = value;
}
builder.Services.AddMailEngine(builder.Configuration);
using var host = builder.Build();
await host.StartAsync();

var admin = host.Services.GetRequiredService<IMailEngineAdmin>();
// A quota far above what any run stores: every delivery is charged, and the test compares the counters with the bytes.
await admin.EnsureMailboxAsync(new MailboxSpec("crash@example.com", DovecotPassword.HashSha512Crypt("x"), 1L << 40, true, true, true, 0));
var account = (await host.Services.GetRequiredService<MailDirectory>().FindMailboxAsync("crash@example.com"))!;
var delivery = host.Services.GetRequiredService<MailDelivery>();
var output = Console.Out;
if (listen)
{
    var registry = host.Services.GetRequiredService<IMailListenerRegistry>();
    output.WriteLine($"PORTS {registry.GetPort("smtp")} {registry.GetPort("imap")} {registry.GetPort("pop3") ?? 0}");
    output.WriteLine("READY");
    output.Flush();
    await Task.Delay(Timeout.Infinite);
}
output.WriteLine("READY");

await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
{
    while (true)
    {
        var id = Interlocked.Increment(ref nextId);
        var results = await delivery.DeliverAsync(new MemoryStream(Message(id)), [account.Id]);
        if (results[0].Status == DeliveryStatus.Delivered)
        {
            lock (output)
            {
                output.WriteLine($"ACK {id}");
                output.Flush();
            }
        }
    }
})));

static byte[] Message(long id)
{
    // A body of random size whose hash is in the header: a torn or partial body cannot pass for complete.
    var random = new byte[Random.Shared.Next(100, 12_000)];
    Random.Shared.NextBytes(random);
    var body = new StringBuilder();
    var base64 = Convert.ToBase64String(random);
    for (var i = 0; i < base64.Length; i += 76)
        body.Append(base64, i, Math.Min(76, base64.Length - i)).Append("\r\n");
    var bodyBytes = Encoding.ASCII.GetBytes(body.ToString());
    var hash = Convert.ToHexString(SHA256.HashData(bodyBytes));
    var header = $"From: harness@example.org\r\nTo: crash@example.com\r\nSubject: crash {id}\r\nX-Crash-Id: {id}\r\nX-Body-Sha256: {hash}\r\n\r\n";
    return [.. Encoding.ASCII.GetBytes(header), .. bodyBytes];
}
