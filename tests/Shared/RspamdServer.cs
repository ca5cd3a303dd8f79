using System.Diagnostics;
using System.Globalization;
using System.Net.Http;

namespace HostingPanel.Testing;

/// <summary>
/// Debian's rspamd (package rspamd 3.4) started by the test, without systemd: Debian's configuration with a directory of
/// the test's own for local overrides, state, pid and log (<c>--var=LOCAL_CONFDIR/DBDIR/RUNDIR/LOGDIR</c>), the normal
/// worker on 127.0.0.1 port 0 (<c>/checkv2</c>) and the controller on 127.0.0.2 port 0 (learning), the fuzzy and proxy workers off, and its DNS pointed at <paramref name="dnsServer"/> (or a
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

    /// <summary>
    /// Local configuration files (name under local.d → content), e.g. a multimap rule of the test. With
    /// <paramref name="bayes"/> a redis-server of the test (Debian's <c>redis-server</c>, on a Unix socket in the test's
    /// directory, nothing saved) holds the Bayes classifier, so <c>/learnspam</c> and <c>/learnham</c> on the controller
    /// (<see cref="ControllerUrl"/>) work; redis serves only the classifier, so greylisting and rate limits stay off.
    /// </summary>
    public static async Task<RspamdServer> StartAsync(string? dnsServer = null, IReadOnlyDictionary<string, string>? localFiles = null, bool bayes = false)
    {
        var binary = File.Exists("/usr/bin/rspamd") ? "/usr/bin/rspamd" : TestEnvironment.RequireTool("rspamd", "rspamd");
        var redis = bayes ? (File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : TestEnvironment.RequireTool("redis-server", "redis-server")) : null;
        // Under heavy load rspamd's main process has been seen to give up while its workers were still compiling: one
        // more try in a fresh directory, and the first failure's log in the error if that fails too.
        Exception? first = null;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var server = new RspamdServer();
            try
            {
                await server.StartCoreAsync(binary, redis, dnsServer ?? "127.0.0.1:9", localFiles ?? new Dictionary<string, string>());
                return server;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException && first is null)
            {
                first = e;
                await server.DisposeAsync();
            }
        }
        throw new InvalidOperationException("rspamd did not start twice; the first time: " + first!.Message);
    }

    /// <summary>The controller worker (learning, statistics), on 127.0.0.2 so it never shares the normal worker's socket.</summary>
    public string ControllerUrl => $"http://127.0.0.2:{ControllerPort}";
    public int ControllerPort { get; private set; }

    private Process? _redis;

    private async Task StartCoreAsync(string binary, string? redis, string dnsServer, IReadOnlyDictionary<string, string> localFiles)
    {
        foreach (var sub in new[] { "local.d", "override.d", "db", "run", "log" })
            Directory.CreateDirectory(Path.Combine(_directory, sub));
        var overrides = new Dictionary<string, string>
        {
            ["worker-normal.inc"] = "bind_socket = \"127.0.0.1:0\";\ncount = 1;\n",
            // The controller takes /learnspam and /learnham only from a secure address or with its password.
            ["worker-controller.inc"] = "bind_socket = \"127.0.0.2:0\";\ncount = 1;\nsecure_ip = \"127.0.0.0/8\";\n",
            ["worker-proxy.inc"] = "enabled = false;\n",
            ["worker-fuzzy.inc"] = "enabled = false;\n",
            ["logging.inc"] = "type = \"file\";\nfilename = \"$LOGDIR/rspamd.log\";\nlevel = \"info\";\n",
            // No fuzzy servers, no outside lookups of any kind.
            ["fuzzy_check.conf"] = "enabled = false;\n",
        };
        if (redis is not null)
        {
            var socket = Path.Combine(_directory, "run", "redis.sock");
            var redisStart = new ProcessStartInfo(redis) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _directory };
            foreach (var arg in new[] { "--port", "0", "--unixsocket", socket, "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", Path.Combine(_directory, "db") })
                redisStart.ArgumentList.Add(arg);
            _redis = Process.Start(redisStart) ?? throw new InvalidOperationException("redis-server did not start");
            _redis.OutputDataReceived += (_, _) => { };
            _redis.ErrorDataReceived += (_, _) => { };
            _redis.BeginOutputReadLine();
            _redis.BeginErrorReadLine();
            var redisDeadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(socket))
            {
                if (_redis.HasExited)
                    throw new InvalidOperationException($"redis-server exited with {_redis.ExitCode}");
                if (DateTime.UtcNow > redisDeadline)
                    throw new TimeoutException("redis-server made no socket within 60 s");
                await Task.Delay(100);
            }
            // Only the classifier uses this redis: a global redis.conf would switch greylisting on and change verdicts.
            overrides["classifier-bayes.conf"] = $"backend = \"redis\";\nservers = \"{socket}\";\nmin_learns = 1;\n";
        }
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

        // Generous: on the shared 2-core machine the first start compiles thousands of expressions. Ready means both
        // workers answer /ping, not only that the main process has bound their sockets.
        var deadline = DateTime.UtcNow.AddSeconds(240);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var normalReady = false;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"rspamd exited with {_process.ExitCode}; its log: {ReadLogTail()}");
            if (Port == 0)
                Port = ListeningPort(_process.Id, "0100007F") ?? 0;
            if (ControllerPort == 0)
                ControllerPort = ListeningPort(_process.Id, "0200007F") ?? 0;
            if (Port != 0 && ControllerPort != 0)
            {
                try
                {
                    if (!normalReady)
                    {
                        using var ping = await http.GetAsync(Url + "/ping");
                        normalReady = ping.IsSuccessStatusCode;
                    }
                    if (normalReady)
                    {
                        using var ping = await http.GetAsync(ControllerUrl + "/ping");
                        if (ping.IsSuccessStatusCode)
                            return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            }
            await Task.Delay(250);
        }
        throw new TimeoutException("rspamd did not answer within 240 s; its log: " + ReadLogTail());
    }

    private string ReadLogTail()
    {
        try { return string.Join("\n", File.ReadAllLines(LogPath).TakeLast(20)); }
        catch (IOException) { return "(no log)"; }
    }

    /// <summary>
    /// The TCP port of a listening socket the process holds on <paramref name="address"/> (as /proc/net/tcp writes it:
    /// 127.0.0.1 is 0100007F), its fds matched against /proc/net/tcp.
    /// </summary>
    private static int? ListeningPort(int pid, string address)
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
            if (parts.Length > 9 && parts[3] == "0A" && inodes.Contains(parts[9]) && parts[1].StartsWith(address + ":", StringComparison.Ordinal))
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
        if (_redis is { HasExited: false })
        {
            _redis.Kill(entireProcessTree: true);
            await _redis.WaitForExitAsync();
        }
        _redis?.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
