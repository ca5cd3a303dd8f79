using HostingPanel.Testing;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// Debian's haproxy on a machine of a <see cref="NetworkLab"/>, in front of mail nodes on other machines: SMTP on
/// port 25 with PROXY v2 and IMAP on 143 with PROXY v1, round robin, health-checked as docs/scale-out.md shows, and
/// a connection that fails to reach a dead node redispatched to another (what a client sees as "it reconnected").
/// </summary>
public sealed class LabBalancer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private LabBalancer(Process process, NetworkLab.Machine machine)
    {
        _process = process;
        Machine = machine;
    }

    public NetworkLab.Machine Machine { get; }
    public IPEndPoint Smtp => new(Machine.Address, 25);
    public IPEndPoint Imap => new(Machine.Address, 143);

    public static async Task<LabBalancer> StartAsync(NetworkLab.Machine machine, IReadOnlyList<IPAddress> nodes, string directory)
    {
        var binary = new[] { "/usr/sbin/haproxy", "/usr/bin/haproxy" }.FirstOrDefault(File.Exists) ?? TestEnvironment.RequireTool("haproxy", "haproxy");
        var config = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, Config(machine.Address, nodes));
        var start = machine.Command(binary, "-db", "-f", config);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start");
        var balancer = new LabBalancer(process, machine);
        process.OutputDataReceived += (_, e) => { lock (balancer._log) balancer._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (balancer._log) balancer._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        foreach (var (front, greeting) in new[] { (balancer.Smtp, "220"), (balancer.Imap, "* OK") })
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!await HaproxyBalancer.GreetsAsync(front, greeting))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    await balancer.DisposeAsync();
                    throw new InvalidOperationException($"haproxy does not pass {front} on to a node:\n{balancer.Log}");
                }
                await Task.Delay(200);
            }
        }
        return balancer;
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private static string Config(IPAddress bind, IReadOnlyList<IPAddress> nodes)
    {
        var config = new StringBuilder("""
            global
              maxconn 4000
            defaults
              mode tcp
              timeout connect 2s
              timeout client 1h
              timeout server 1h
              timeout check 2s
              retries 3
              option redispatch

            """);
        foreach (var (name, port, send, greeting) in new[] { ("smtp", 25, "send-proxy-v2", "220"), ("imap", 143, "send-proxy", "* OK") })
        {
            config.Append($"""
                frontend {name}
                  bind {bind}:{port}
                  default_backend {name}_nodes
                backend {name}_nodes
                  balance roundrobin
                  option tcp-check
                  tcp-check expect string "{greeting}"

                """);
            for (var i = 0; i < nodes.Count; i++)
                config.Append($"  server node{i + 1} {nodes[i]}:{port} {send} check check-send-proxy inter 1s fall 2 rise 1\n");
        }
        return config.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
