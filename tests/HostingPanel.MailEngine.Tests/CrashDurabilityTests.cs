using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using HostingPanel.MailEngine.Storage;
using Xunit;

namespace HostingPanel.MailEngine.Tests;

/// <summary>
/// Durability, proven: a separate process delivers with 8 concurrent writers and prints an ACK after
/// each committed delivery; it is SIGKILLed at a random moment, the engine restarts on the same data,
/// and every acknowledged message must be there, complete, with no partial message and no orphan file.
/// HOSTINGPANEL_CRASH_TRIALS sets the number of kills (default 5).
/// </summary>
public sealed class CrashDurabilityTests
{
    [Fact]
    public async Task Sigkill_DuringDeliveries_KeepsEveryAcknowledgedMessageComplete_AndSweepsOrphans()
    {
        var trials = int.TryParse(Environment.GetEnvironmentVariable("HOSTINGPANEL_CRASH_TRIALS"), out var t) ? t : 5;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "hp-crash-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dataDirectory);
        var acknowledged = new HashSet<long>();
        try
        {
            // A fixed seed: the kill points are the same on every run (the moment a kill lands still
            // depends on the machine; the property checked does not).
            var random = new Random(20261207);
            for (var trial = 0; trial < trials; trial++)
            {
                // Every fourth trial is killed during startup (migrations, sweep); the others while delivering.
                var duringStartup = trial % 4 == 3;
                var ids = await RunAndKillAsync(dataDirectory, firstId: trial * 1_000_000L, duringStartup,
                    killAfterAcks: random.Next(1, 400), killAfter: TimeSpan.FromMilliseconds(random.Next(0, duringStartup ? 600 : 30)));
                acknowledged.UnionWith(ids);
                var stored = await VerifyAsync(dataDirectory, acknowledged);
                TestContext.Current.TestOutputHelper?.WriteLine($"trial {trial}: {ids.Count} acknowledged, {stored} stored in total");
            }
            Assert.True(acknowledged.Count > 0, "the harness never acknowledged a delivery; the test proved nothing");
        }
        finally
        {
            try { System.IO.Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<List<long>> RunAndKillAsync(string dataDirectory, long firstId, bool duringStartup, int killAfterAcks, TimeSpan killAfter)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HarnessPath());
        start.ArgumentList.Add(dataDirectory);
        start.ArgumentList.Add(firstId.ToString());
        using var process = Process.Start(start)!;
        var acks = new List<long>();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var enoughAcks = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith("ACK "))
                {
                    acks.Add(long.Parse(line[4..]));
                    if (acks.Count >= killAfterAcks)
                        enoughAcks.TrySetResult();
                }
                else if (line == "READY")
                    ready.TrySetResult();
            }
            ready.TrySetResult();
            enoughAcks.TrySetResult();
        });
        var errors = process.StandardError.ReadToEndAsync();
        // Kill in the middle of the deliveries: after a random number of acknowledgements, plus a random instant.
        if (!duringStartup)
            await enoughAcks.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(killAfter);
        if (process.HasExited)
            Assert.Fail("harness exited early: " + await errors);
        process.Kill(); // SIGKILL on Unix: no cleanup code runs
        await process.WaitForExitAsync();
        await reading; // ACKs already in the pipe were printed before the kill: they count
        return acks;
    }

    private static async Task<int> VerifyAsync(string dataDirectory, HashSet<long> acknowledged)
    {
        await using var engine = await EngineHost.StartOnAsync(dataDirectory);
        var account = await engine.Directory.FindMailboxAsync("crash@example.com");
        if (account is null)
        {
            Assert.Empty(acknowledged);
            return 0;
        }
        var inbox = await engine.InboxAsync(account);
        var messages = await engine.Store.ListMessagesAsync(inbox.Id);
        var present = new HashSet<long>();
        foreach (var message in messages)
        {
            await using var body = engine.Store.OpenBody(message);
            var bytes = new MemoryStream();
            await body.CopyToAsync(bytes);
            Assert.Equal(message.Size, bytes.Length);
            var text = Encoding.ASCII.GetString(bytes.ToArray());
            var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var headers = text[..split];
            var content = text[(split + 4)..];
            var id = long.Parse(Header(headers, "X-Crash-Id"));
            Assert.Equal(Header(headers, "X-Body-Sha256"), Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(content))));
            Assert.True(present.Add(id), $"message {id} stored twice");
        }
        var lost = acknowledged.Where(id => !present.Contains(id)).ToList();
        Assert.True(lost.Count == 0, $"acknowledged but lost: {string.Join(", ", lost.Take(10))}");

        var quota = (await engine.Store.GetQuotaAsync(account.Id))!;
        Assert.Equal(messages.Sum(m => m.Size), quota.UsedBytes);
        Assert.Equal(messages.Count, quota.MessageCount);

        // The startup sweep removed every file that no row references (bodies of unacknowledged deliveries, temp files).
        var referenced = messages.Select(m => m.BodyPath).ToHashSet();
        var files = System.IO.Directory.EnumerateFiles(engine.Store.Bodies.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(engine.Store.Bodies.Root, f)).ToList();
        Assert.DoesNotContain(files, f => !referenced.Contains(f));
        return messages.Count;
    }

    private static string Header(string headers, string name) =>
        headers.Split("\r\n").Single(l => l.StartsWith(name + ": ", StringComparison.Ordinal))[(name.Length + 2)..];

    private static string HarnessPath()
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
