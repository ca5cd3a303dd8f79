using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.Testing;

/// <summary>
/// A real haproxy (Debian's package haproxy, 2.6) in TCP mode in front of mail listeners, passing each
/// client on with the PROXY protocol (<c>send-proxy</c> or <c>send-proxy-v2</c>) and health-checking the
/// node the way docs/scale-out.md shows. haproxy cannot bind port 0, so its front ends listen on an
/// address of their own in 127/8 (127.x.y.z, chosen at random) on ports below the ephemeral range;
/// when that is taken haproxy fails to start and another address is tried, so nothing is raced.
/// </summary>
public sealed class HaproxyBalancer : IAsyncDisposable
{
    /// <summary>One front end: its name, the node's port behind it, the PROXY version, and what a healthy node greets with.</summary>
    public sealed record Route(string Name, int NodePort, int ProxyVersion, string Greeting);

    private readonly Process _process;
    private readonly string _directory;
    private readonly Dictionary<string, IPEndPoint> _frontEnds;
    private readonly StringBuilder _output;

    private HaproxyBalancer(Process process, string directory, Dictionary<string, IPEndPoint> frontEnds, StringBuilder output)
    {
        _process = process;
        _directory = directory;
        _frontEnds = frontEnds;
        _output = output;
    }

    /// <summary>What haproxy printed so far (its health-check verdicts among it).</summary>
    public string Log
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Where clients connect for the route named <paramref name="name"/>.</summary>
    public IPEndPoint FrontEnd(string name) => _frontEnds[name];

    /// <summary>Starts haproxy and waits until every front end greets through to the node; skips (fails in CI) without haproxy.</summary>
    public static async Task<HaproxyBalancer> StartAsync(IReadOnlyList<Route> routes)
    {
        var binary = new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy" }.FirstOrDefault(File.Exists)
            ?? TestEnvironment.RequireTool("haproxy", "haproxy");
        var directory = Path.Combine(Path.GetTempPath(), "hp-haproxy-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var failures = new List<string>();
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var address = new IPAddress([127, (byte)Random.Shared.Next(100, 250), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);
            var frontEnds = routes.Select((r, i) => (r.Name, EndPoint: new IPEndPoint(address, 20000 + Random.Shared.Next(0, 500) * 16 + i)))
                .ToDictionary(x => x.Name, x => x.EndPoint);
            var config = Path.Combine(directory, "haproxy.cfg");
            await File.WriteAllTextAsync(config, Config(routes, frontEnds));
            var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in new[] { "-db", "-f", config })
                start.ArgumentList.Add(arg);
            var process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var balancer = new HaproxyBalancer(process, directory, frontEnds, output);
            if (await balancer.WaitUntilServingAsync(routes))
                return balancer;
            await balancer.StopProcessAsync();
            lock (output)
                failures.Add(output.ToString());
        }
        Directory.Delete(directory, recursive: true);
        throw new InvalidOperationException("haproxy did not start on any address tried:\n" + string.Join("\n---\n", failures));
    }

    /// <summary>The configuration docs/scale-out.md describes, for one node.</summary>
    private static string Config(IReadOnlyList<Route> routes, IReadOnlyDictionary<string, IPEndPoint> frontEnds)
    {
        var config = new StringBuilder("""
            global
              maxconn 2000
            defaults
              mode tcp
              timeout connect 5s
              timeout client 1h
              timeout server 1h
              timeout check 5s

            """);
        foreach (var route in routes)
        {
            var send = route.ProxyVersion == 2 ? "send-proxy-v2" : "send-proxy";
            config.Append($"""
                frontend {route.Name}
                  bind {frontEnds[route.Name]}
                  default_backend {route.Name}_nodes
                backend {route.Name}_nodes
                  option tcp-check
                  tcp-check expect string "{route.Greeting}"
                  server node1 127.0.0.1:{route.NodePort} {send} check check-send-proxy inter 2s fall 2 rise 1

                """);
        }
        return config.ToString();
    }

    /// <summary>True once every front end answers with its node's greeting; false when haproxy exited (its address was taken).</summary>
    private async Task<bool> WaitUntilServingAsync(IReadOnlyList<Route> routes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var route in routes)
        {
            while (true)
            {
                if (_process.HasExited)
                    return false;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"haproxy's front end {route.Name} did not pass a greeting on within 30 s");
                if (await GreetsAsync(FrontEnd(route.Name), route.Greeting))
                    break;
                await Task.Delay(100);
            }
        }
        return true;
    }

    /// <summary>True when a connection to <paramref name="frontEnd"/> is greeted with <paramref name="greeting"/> within 5 s.</summary>
    public static async Task<bool> GreetsAsync(IPEndPoint frontEnd, string greeting)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(frontEnd, timeout.Token);
            var buffer = new byte[512];
            var read = await tcp.GetStream().ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith(greeting, StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task StopProcessAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
