using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.Testing;

/// <summary>
/// A real DNS server from Debian (dnsmasq, package dnsmasq-base) on 127.0.0.1 and an ephemeral port, authoritative for
/// the records the test publishes (everything else NXDOMAIN or no data; nothing is forwarded). dnsmasq reads TXT and MX
/// records only at start, so <see cref="PublishAsync"/> restarts it on the same port with the new set: publishing and
/// withdrawing a record are real changes that the product's resolver sees.
/// </summary>
public sealed class DnsmasqServer : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hp-dnsmasq-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, List<string>> _txt = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string Host, int Preference)> _mx = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _a = new(StringComparer.OrdinalIgnoreCase);
    private Process? _process;

    private DnsmasqServer(string binary, int port)
    {
        _binary = binary;
        Port = port;
        Directory.CreateDirectory(_directory);
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:port", the form <c>Dns:Servers:N</c> takes.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>Starts dnsmasq with no records; skips (fails in CI) when it is not installed.</summary>
    public static async Task<DnsmasqServer> StartAsync()
    {
        var binary = new[] { "/usr/sbin/dnsmasq", "/usr/bin/dnsmasq" }.FirstOrDefault(File.Exists)
            ?? TestEnvironment.RequireTool("dnsmasq", "dnsmasq-base");
        var server = new DnsmasqServer(binary, FreeUdpAndTcpPort());
        await server.PublishAsync();
        return server;
    }

    /// <summary>Sets the TXT record at <paramref name="name"/> (one record per value; a value longer than 255 is split into strings).</summary>
    public void SetTxt(string name, params string[] values) => _txt[name.TrimEnd('.')] = [.. values];

    public void RemoveTxt(string name) => _txt.Remove(name.TrimEnd('.'));

    /// <summary>Sets the A record of <paramref name="name"/> (an IPv4 address).</summary>
    public void SetA(string name, string address) => _a[name.TrimEnd('.')] = address;

    public void SetMx(string domain, string host, int preference = 10) => _mx[domain.TrimEnd('.')] = (host.TrimEnd('.'), preference);

    /// <summary>Restarts the server with the records set now, and waits until it answers.</summary>
    public async Task PublishAsync()
    {
        await StopAsync();
        var conf = new StringBuilder();
        conf.Append("port=").Append(Port).Append('\n');
        conf.Append("listen-address=127.0.0.1\nbind-interfaces\nno-resolv\nno-hosts\nno-poll\npid-file=\n");
        // Every name is local: NXDOMAIN for what is not published, never forwarded anywhere.
        conf.Append("local=/#/\n");
        foreach (var (name, values) in _txt)
            foreach (var value in values)
                conf.Append("txt-record=").Append(name).Append(',').Append(string.Join(',', value.Chunk(255).Select(c => "\"" + new string(c) + "\""))).Append('\n');
        foreach (var (name, address) in _a)
            conf.Append("host-record=").Append(name).Append(',').Append(address).Append('\n');
        foreach (var (domain, (host, preference)) in _mx)
            conf.Append("mx-host=").Append(domain).Append(',').Append(host).Append(',').Append(preference).Append('\n');
        var path = Path.Combine(_directory, "dnsmasq.conf");
        await File.WriteAllTextAsync(path, conf.ToString());
        var start = new ProcessStartInfo(_binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--keep-in-foreground", "--conf-file=" + path, "--log-facility=" + Path.Combine(_directory, "log") })
            start.ArgumentList.Add(arg);
        _process = Process.Start(start) ?? throw new InvalidOperationException("dnsmasq did not start");
        await WaitUntilAnsweringAsync();
    }

    private async Task WaitUntilAnsweringAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        // A query for the root's SOA: any answer (even REFUSED) means it listens.
        var query = new byte[] { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 1 };
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"dnsmasq exited with {_process.ExitCode}: {await _process.StandardError.ReadToEndAsync()}");
            using var udp = new UdpClient(AddressFamily.InterNetwork);
            try
            {
                await udp.SendAsync(query, new IPEndPoint(IPAddress.Loopback, Port));
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                await udp.ReceiveAsync(cts.Token);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException("dnsmasq did not answer within 20 s");
    }

    private async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    /// <summary>A port free for both UDP and TCP on loopback (dnsmasq listens on both).</summary>
    private static int FreeUdpAndTcpPort()
    {
        for (var i = 0; i < 50; i++)
        {
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
            try
            {
                var tcp = new TcpListener(IPAddress.Loopback, port);
                tcp.Start();
                tcp.Stop();
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("no free port for dnsmasq");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
