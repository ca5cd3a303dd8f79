using System.Diagnostics;
using HostingPanel.Testing;
using Xunit;

namespace HostingPanel.MailEngine.Tests;

/// <summary>POP3 as clients other than MailKit speak it: Python's poplib and Debian's fetchmail.</summary>
public sealed class ExternalClientTests
{
    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment ?? [])
            start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task PythonPoplib_StatListUidlRetrTopAndDele()
    {
        var python = TestEnvironment.RequireTool("python3", "python3");
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("py@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("first", ".leading dot\r\nbody\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("second"));
        var script = Path.Combine(engine.DataDirectory, "pop.py");
        await File.WriteAllTextAsync(script, """
            import poplib, sys
            p = poplib.POP3("127.0.0.1", int(sys.argv[1]), timeout=10)
            caps = p.capa()
            p.user(sys.argv[2]); p.pass_(sys.argv[3])
            count, size = p.stat()
            print("stat", count, size)
            print("list", len(p.list()[1]))
            print("uidl", len(set(u.split()[1] for u in p.uidl()[1])))
            lines = p.retr(1)[1]
            print("retr-dot", b".leading dot" in lines)
            print("top", b"" in p.top(2, 0)[1])
            p.dele(1)
            print("quit", p.quit().startswith(b"+OK"))
            print("caps", "UIDL" in caps and "TOP" in caps and "PIPELINING" in caps)
            """);

        var (exit, output) = await RunAsync(python, $"{script} {engine.Pop3Port} py@example.com \"{EngineHost.Password}\"");

        Assert.True(exit == 0, output);
        Assert.Contains("stat 2 ", output);
        Assert.Contains("list 2", output);
        Assert.Contains("uidl 2", output);
        Assert.Contains("retr-dot True", output);
        Assert.Contains("top True", output);
        Assert.Contains("quit True", output);
        Assert.Contains("caps True", output);
        Assert.Single(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id));
    }

    [Fact]
    public async Task Fetchmail_KeepModeTwiceFetchesNoDuplicate_ThenNormalModeDeletes()
    {
        var fetchmail = TestEnvironment.RequireTool("fetchmail", "fetchmail");
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("fm@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("fm one"));
        await engine.DeliverAsync(account, EngineHost.Message("fm two"));

        var home = Path.Combine(engine.DataDirectory, "fetchmail");
        var outbox = Path.Combine(home, "out");
        System.IO.Directory.CreateDirectory(outbox);
        string Rc(bool keep) =>
            $"set no bouncemail\n" +
            $"poll 127.0.0.1 with proto POP3 port {engine.Pop3Port} uidl\n" +
            $"  user \"fm@example.com\" there with password \"{EngineHost.Password}\" is \"root\" here\n" +
            $"  options {(keep ? "keep" : "nokeep flush")} sslproto '' mda \"/bin/sh -c 'cat > {outbox}/$(date +%s%N).eml'\"\n";
        var rc = Path.Combine(home, "fetchmailrc");
        var env = new Dictionary<string, string> { ["FETCHMAILHOME"] = home, ["HOME"] = home };
        async Task<string> FetchAsync(bool keep)
        {
            await File.WriteAllTextAsync(rc, Rc(keep));
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var (exit, output) = await RunAsync(fetchmail, $"--nodetach --nosyslog -f {rc} --idfile {home}/fetchids", env);
            // 0: mail retrieved, 1: no new mail.
            Assert.True(exit is 0 or 1, $"fetchmail exit {exit}: {output}");
            return output;
        }

        await FetchAsync(keep: true);
        Assert.Equal(2, System.IO.Directory.GetFiles(outbox).Length);
        await FetchAsync(keep: true);
        Assert.Equal(2, System.IO.Directory.GetFiles(outbox).Length);
        Assert.Equal(2, (await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id)).Count);

        await engine.DeliverAsync(account, EngineHost.Message("fm three"));
        // Normal mode: new mail is fetched and deleted; "flush" also deletes what keep mode left behind.
        await FetchAsync(keep: false);
        var files = System.IO.Directory.GetFiles(outbox);
        Assert.Equal(3, files.Length);
        Assert.Contains(files, f => File.ReadAllText(f).Contains("Subject: fm three"));
        Assert.Empty(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id));
    }
}
