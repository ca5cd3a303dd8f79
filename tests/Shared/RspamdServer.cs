using System.Diagnostics;
using System.Globalization;
using System.Net.Http;

namespace HostingPanel.Testing;

/// <summary>
/// Debian's rspamd (package rspamd 3.4) started by the test, without systemd: Debian's configuration with a directory of
/// the test's own for local overrides, state, pid and log (<c>--var=LOCAL_CONFDIR/DBDIR/RUNDIR/LOGDIR</c>), every worker
/// on 127.0.0.1 port 0 (the normal and controller workers then share the one socket the main process binds, which
/// answers <c>/checkv2</c>), the fuzzy and proxy workers off, and its DNS pointed at <paramref name="dnsServer"/> (or a
/// closed port, so nothing leaves the machine). The bound port is read back from /proc. Starting takes 20-60 s (it compiles
/// its regular expressions): start one per test class.
/// </summary>
public sealed class RspamdServer : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hp-rspamd-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    public int Port { get; private set; }
    public string Url => $"http://127.0.0.1:{Port}";
    public string LogPath => Path.Combine(_directory, "log", "rspamd.log");

    /// <summary>Local configuration files (name under local.d → content), e.g. a multimap rule of the test.</summary>
    public static async Task<RspamdServer> StartAsync(string? dnsServer = null, IReadOnlyDictionary<string, string>? localFiles = null)
    {
        var binary = File.Exists("/usr/bin/rspamd") ? "/usr/bin/rspamd" : TestEnvironment.RequireTool("rspamd", "rspamd");
        var server = new RspamdServer();
        await server.StartCoreAsync(binary, dnsServer ?? "127.0.0.1:9", localFiles ?? new Dictionary<string, string>());
        return server;
    }

    private async Task StartCoreAsync(string binary, string dnsServer, IReadOnlyDictionary<string, string> localFiles)
    {
        foreach (var sub in new[] { "local.d", "override.d", "db", "run", "log" })
            Directory.CreateDirectory(Path.Combine(_directory, sub));
        var overrides = new Dictionary<string, string>
        {
            ["worker-normal.inc"] = "bind_socket = \"127.0.0.1:0\";\ncount = 1;\n",
            ["worker-controller.inc"] = "bind_socket = \"127.0.0.1:0\";\ncount = 1;\n",
            ["worker-proxy.inc"] = "enabled = false;\n",
            ["worker-fuzzy.inc"] = "enabled = false;\n",
            ["logging.inc"] = "type = \"file\";\nfilename = \"$LOGDIR/rspamd.log\";\nlevel = \"info\";\n",
            // No fuzzy servers, no redis, no outside lookups of any kind.
            ["fuzzy_check.conf"] = "enabled = false;\n",
        };
        foreach (var (name, content) in overrides)
            await File.WriteAllTextAsync(Path.Combine(_directory, "override.d", name), content);
        await File.WriteAllTextAsync(Path.Combine(_directory, "local.d", "options.inc"),
            $"pidfile = \"$RUNDIR/rspamd.pid\";\ndns {{ nameserver = [\"{dnsServer}\"]; timeout = 1s; retransmits = 1; }}\n");
        foreach (var (name, content) in localFiles)
            await File.WriteAllTextAsync(Path.Combine(_directory, "local.d", name), content);

        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory };
        foreach (var arg in new[] { "-f", "-i", "-c", "/etc/rspamd/rspamd.conf", "--var=LOCAL_CONFDIR=" + _directory, "--var=DBDIR=" + Path.Combine(_directory, "db"),
                     "--var=RUNDIR=" + Path.Combine(_directory, "run"), "--var=LOGDIR=" + Path.Combine(_directory, "log") })
            start.ArgumentList.Add(arg);
        _process = Process.Start(start) ?? throw new InvalidOperationException("rspamd did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Generous: on the shared 2-core machine the first start compiles thousands of expressions.
        var deadline = DateTime.UtcNow.AddSeconds(180);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"rspamd exited with {_process.ExitCode}; its log: {ReadLogTail()}");
            if (Port == 0)
                Port = ListeningPort(_process.Id) ?? 0;
            if (Port != 0)
            {
                try
                {
                    using var ping = await http.GetAsync(Url + "/ping");
                    if (ping.IsSuccessStatusCode)
                        return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("rspamd did not answer within 180 s; its log: " + ReadLogTail());
    }

    private string ReadLogTail()
    {
        try { return string.Join("\n", File.ReadAllLines(LogPath).TakeLast(20)); }
        catch (IOException) { return "(no log)"; }
    }

    /// <summary>The TCP port of a listening socket the process holds (its fds matched against /proc/net/tcp).</summary>
    private static int? ListeningPort(int pid)
    {
        var inodes = new HashSet<string>();
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
                    inodes.Add(target[8..^1]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // local_address rem_address st ... inode: state 0A is LISTEN.
            if (parts.Length > 9 && parts[3] == "0A" && inodes.Contains(parts[9]))
                return int.Parse(parts[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
