using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Smtp;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 5, kill -9 during SMTP deliveries and IMAP APPENDs: the crash harness runs the real SMTP
/// and IMAP listeners in a separate process; this test's clients (3 SMTP connections, 3 IMAP connections
/// appending to INBOX and Archive) send messages whose header carries the hash of their body, and count
/// a message as acknowledged only when they read 250 or OK. The process is SIGKILLed at a random moment,
/// the engine restarts on the same data, and then: every acknowledged message is there, complete; no
/// message is partial or doubled; the quota counters equal the stored bytes and messages; no file is
/// left that no message references. HOSTINGPANEL_CRASH_TRIALS sets the number of kills (default 6);
/// bench/crash.sh runs the long mode (100).
/// </summary>
public sealed class CrashOverTheWireTests
{
    private const string Address = "crash@example.com";
    private const string Password = "x";

    [Fact]
    public async Task Sigkill_DuringSmtpDeliveriesAndImapAppends_LosesNoAcknowledgedMessage_ShowsNoPartialOne_KeepsQuotaEqualToBytes()
    {
        var trials = int.TryParse(Environment.GetEnvironmentVariable("HOSTINGPANEL_CRASH_TRIALS"), out var t) ? t : 6;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hp-crashwire-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dataDirectory);
        var acknowledged = new HashSet<long>();
        long smtpAcks = 0, imapAcks = 0, unanswered = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            var random = new Random(20261207); // same kill points on every run
            for (var trial = 0; trial < trials; trial++)
            {
                var run = await RunAndKillAsync(dataDirectory, firstId: (trial + 1) * 1_000_000L,
                    killAfterAcks: random.Next(1, 150), killAfter: TimeSpan.FromMilliseconds(random.Next(0, 30)));
                acknowledged.UnionWith(run.Smtp);
                acknowledged.UnionWith(run.Imap);
                smtpAcks += run.Smtp.Count;
                imapAcks += run.Imap.Count;
                unanswered += run.InFlight;
                var stored = await VerifyAsync(dataDirectory, acknowledged);
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"trial {trial}: {run.Smtp.Count} SMTP + {run.Imap.Count} IMAP acknowledged, {run.InFlight} in flight at the kill, {stored} stored in total");
            }
            Assert.True(smtpAcks > 0 && imapAcks > 0, "no acknowledged SMTP delivery or APPEND: the test proved nothing");
            // One line for docs/security.md and bench/crash.sh.
            TestContext.Current.TestOutputHelper?.WriteLine($"CRASH-RESULT trials={trials} smtp_acked={smtpAcks} imap_acked={imapAcks} in_flight_at_kill={unanswered} lost=0 partial=0 quota_mismatch=0 seconds={clock.Elapsed.TotalSeconds:F0}");
        }
        finally
        {
            try { System.IO.Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }

    internal sealed record Run(List<long> Smtp, List<long> Imap, int InFlight);

    /// <summary>The harness's listeners while it runs (POP3 is 0 unless it runs on PostgreSQL).</summary>
    internal sealed record HarnessPorts(int Smtp, int Imap, int Pop3);

    /// <summary>
    /// Runs the harness, loads it, SIGKILLs it. With <paramref name="postgres"/> the harness is one node on that database;
    /// <paramref name="beforeKill"/> runs once enough was acknowledged, just before the kill (a test's own sessions).
    /// </summary>
    internal static async Task<Run> RunAndKillAsync(string dataDirectory, long firstId, int killAfterAcks, TimeSpan killAfter,
        string? postgres = null, Func<HarnessPorts, Task>? whileLoaded = null)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HarnessPath());
        start.ArgumentList.Add(dataDirectory);
        start.ArgumentList.Add("0");
        start.ArgumentList.Add("listen");
        if (postgres is not null)
            start.Environment["HOSTINGPANEL_CRASH_POSTGRES"] = postgres;
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        int smtpPort = 0, imapPort = 0, pop3Port = 0;
        using (var startup = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (await process.StandardOutput.ReadLineAsync(startup.Token) is { } line && line != "READY")
            {
                if (line.StartsWith("PORTS ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ');
                    smtpPort = int.Parse(parts[1]);
                    imapPort = int.Parse(parts[2]);
                    pop3Port = parts.Length > 3 ? int.Parse(parts[3]) : 0;
                }
            }
        }
        if (smtpPort == 0)
            Assert.Fail("harness did not start: " + await errors);

        var smtp = new List<long>();
        var imap = new List<long>();
        var nextId = firstId;
        var inFlight = 0;
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Ack(List<long> list, long id)
        {
            lock (smtp)
            {
                list.Add(id);
                if (smtp.Count + imap.Count >= killAfterAcks)
                    enough.TrySetResult();
            }
        }
        var clients = new List<Task>();
        for (var i = 0; i < 3; i++)
        {
            clients.Add(Task.Run(async () =>
            {
                try
                {
                    await using var c = await RawSmtpClient.ConnectAsync(smtpPort);
                    await c.ReadReplyAsync();
                    await c.CommandAsync("EHLO crash.client");
                    while (true)
                    {
                        var id = Interlocked.Increment(ref nextId);
                        if (await c.CommandAsync("MAIL FROM:<harness@example.org>") is not { } m || !m.StartsWith("250")) return;
                        if (await c.CommandAsync($"RCPT TO:<{Address}>") is not { } r || !r.StartsWith("250")) return;
                        if (await c.CommandAsync("DATA") is not { } d || !d.StartsWith("354")) return;
                        Interlocked.Increment(ref inFlight);
                        await c.WriteAsync(Message(id, Address) + ".\r\n");
                        var reply = await c.ReadReplyAsync(30_000);
                        Interlocked.Decrement(ref inFlight);
                        if (reply is null || !reply.StartsWith("250 ", StringComparison.Ordinal)) return;
                        Ack(smtp, id);
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException) { }
            }));
            var folder = i % 2 == 0 ? "INBOX" : "Archive";
            clients.Add(Task.Run(async () =>
            {
                try
                {
                    await using var wire = await ImapWire.ConnectAsync(imapPort);
                    if (!(await wire.CommandAsync($"l LOGIN {Address} {Password}")).Last().StartsWith("l OK")) return;
                    for (var n = 0; ; n++)
                    {
                        var id = Interlocked.Increment(ref nextId);
                        Interlocked.Increment(ref inFlight);
                        var reply = await ReliabilityWire.ImapAppendAsync(wire, "a" + n, folder, Message(id, Address));
                        Interlocked.Decrement(ref inFlight);
                        if (!reply.StartsWith($"a{n} OK", StringComparison.Ordinal)) return;
                        Ack(imap, id);
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or System.Net.Sockets.SocketException) { }
            }));
        }

        await enough.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (whileLoaded is not null)
            await whileLoaded(new HarnessPorts(smtpPort, imapPort, pop3Port));
        await Task.Delay(killAfter);
        if (process.HasExited)
            Assert.Fail("harness exited early: " + await errors);
        process.Kill(); // SIGKILL on Unix: no cleanup code runs
        await process.WaitForExitAsync();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30));
        lock (smtp)
            return new Run([.. smtp], [.. imap], Volatile.Read(ref inFlight));
    }

    private static async Task<int> VerifyAsync(string dataDirectory, HashSet<long> acknowledged)
    {
        await using var engine = await EngineHost.StartOnAsync(dataDirectory);
        var stored = await VerifyEachAcknowledgedStoredOnceAsync(engine, Address, acknowledged);
        // Quota counters equal the stored bytes, and the startup sweep left no orphan or temporary file.
        await StoreAudit.AssertConsistentAsync(engine, (await engine.Directory.FindMailboxAsync(Address))!);
        return stored;
    }

    /// <summary>
    /// Every acknowledged message of <paramref name="address"/> is stored exactly once and complete (its header carries
    /// its body's hash), in any folder; returns how many messages are stored. Shared with the cluster's kill test.
    /// </summary>
    internal static async Task<int> VerifyEachAcknowledgedStoredOnceAsync(EngineHost engine, string address, HashSet<long> acknowledged)
    {
        var account = (await engine.Directory.FindMailboxAsync(address))!;
        var present = new HashSet<long>();
        foreach (var folder in await engine.Store.ListFoldersAsync(account.Id))
        {
            foreach (var message in await engine.Store.ListMessagesAsync(folder.Id))
            {
                await using var body = engine.Store.OpenBody(message);
                var bytes = new MemoryStream();
                await body.CopyToAsync(bytes);
                Assert.Equal(message.Size, bytes.Length);
                var text = Encoding.ASCII.GetString(bytes.ToArray());
                var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                Assert.True(split > 0, $"message {folder.Name}/{message.Uid} has no header section");
                var headers = text[..split];
                var content = text[(split + 4)..];
                var id = long.Parse(Header(headers, "X-Crash-Id"));
                // The hash ignores trailing line ends: the message may have come over SMTP or IMAP APPEND.
                Assert.True(Header(headers, "X-Body-Sha256") == Hash(content), $"message {id} in {folder.Name} is not complete");
                Assert.True(present.Add(id), $"message {id} stored twice");
            }
        }
        var lost = acknowledged.Where(id => !present.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but lost: {string.Join(", ", lost.Take(10))}");
        return present.Count;
    }

    /// <summary>A body of random size whose hash is in the header: a torn or partial body cannot pass for complete.</summary>
    internal static string Message(long id, string to)
    {
        // Seeded by the message id: the same message on every run.
        var seeded = new Random((int)(id % int.MaxValue));
        var random = new byte[seeded.Next(100, 12_000)];
        seeded.NextBytes(random);
        var body = new StringBuilder();
        var base64 = Convert.ToBase64String(random);
        for (var i = 0; i < base64.Length; i += 76)
            body.Append(base64, i, Math.Min(76, base64.Length - i)).Append("\r\n");
        var hash = Hash(body.ToString());
        return $"From: harness@example.org\r\nTo: {to}\r\nSubject: crash {id}\r\nX-Crash-Id: {id}\r\nX-Body-Sha256: {hash}\r\n\r\n{body}";
    }

    internal static string Hash(string content) => Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(content.TrimEnd('\r', '\n'))));

    internal static string Header(string headers, string name) =>
        headers.Split("\r\n").Single(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..];

    internal static string HarnessPath()
    {
        // tests/HostingPanel.MailEngine.Tests/bin/<Configuration>/net10.0/ -> the harness's twin directory.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var tests = output.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(tests, "HostingPanel.MailEngine.CrashHarness", "bin", configuration, output.Name, "HostingPanel.MailEngine.CrashHarness.dll");
        Assert.True(File.Exists(path), $"crash harness not built at {path}");
        return path;
    }
}
