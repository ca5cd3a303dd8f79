using HostingPanel.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.Testing;

/// <summary>
/// A real S3 service: a single-node Ceph 16 from Debian's packages (packages ceph-mon, ceph-osd, radosgw,
/// ceph-common), one monitor, one OSD (BlueStore on a sparse file in a temporary directory) and radosgw,
/// all on an address of their own in 127/8 (127.x.y.z at random: Ceph cannot bind port 0, and no other
/// test uses that address; if it is taken a daemon fails and another address is tried). About 10 s cold
/// on the development machine, 300 MB of memory; one per test class. Everything it started is stopped
/// and its directory removed on dispose.
/// </summary>
public sealed class CephRadosGateway : IAsyncDisposable
{
    public const string AccessKey = "hptestaccesskey";
    public const string SecretKey = "hptestsecretkey0123456789abcdef";
    private const int MonPort = 3300;
    private const int RgwPort = 7480;

    private readonly string _directory;
    private readonly List<Process> _daemons = [];

    private readonly NetworkLab.Machine? _machine;

    private CephRadosGateway(string directory, IPAddress address, NetworkLab.Machine? machine = null)
    {
        _directory = directory;
        Address = address;
        _machine = machine;
    }

    public IPAddress Address { get; }

    /// <summary>The S3 end point, e.g. http://127.41.7.9:7480.</summary>
    public string ServiceUrl => $"http://{Address}:{RgwPort}";

    /// <summary>The <c>Storage:Blobs:*</c> settings for a bucket of this gateway.</summary>
    public Dictionary<string, string?> Settings(string bucket) => new()
    {
        ["Storage:Blobs:Provider"] = "S3",
        ["Storage:Blobs:S3:ServiceUrl"] = ServiceUrl,
        ["Storage:Blobs:S3:Bucket"] = bucket,
        ["Storage:Blobs:S3:AccessKey"] = AccessKey,
        ["Storage:Blobs:S3:SecretKey"] = SecretKey,
    };

    /// <summary>
    /// Starts the cluster; skips (fails under HOSTINGPANEL_TESTS_MANDATORY=1) when Ceph is not installed. With
    /// <paramref name="machine"/>, every daemon runs inside that machine of a network lab, on its address.
    /// </summary>
    public static async Task<CephRadosGateway> StartAsync(NetworkLab.Machine? machine = null)
    {
        foreach (var (tool, package) in new[] { ("ceph-mon", "ceph-mon"), ("ceph-osd", "ceph-osd"), ("radosgw", "radosgw"), ("ceph", "ceph-common"), ("ceph-authtool", "ceph-common"), ("monmaptool", "ceph-common"), ("radosgw-admin", "radosgw") })
            TestEnvironment.RequireTool(tool, package);
        var failures = new List<string>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var address = machine?.Address ?? new IPAddress([127, (byte)Random.Shared.Next(100, 250), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);
            var directory = Path.Combine(Path.GetTempPath(), "hp-ceph-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(directory);
            var gateway = new CephRadosGateway(directory, address, machine);
            try
            {
                await gateway.BootstrapAsync();
                return gateway;
            }
            catch (CephStartException e)
            {
                failures.Add(e.Message + "\n" + gateway.LogTail());
                await gateway.DisposeAsync();
            }
        }
        throw new InvalidOperationException("Ceph radosgw did not start:\n" + string.Join("\n---\n", failures));
    }

    private sealed class CephStartException(string message) : Exception(message);

    private string Conf => Path.Combine(_directory, "ceph.conf");
    private string Keyring => Path.Combine(_directory, "keyring");

    private async Task BootstrapAsync()
    {
        var fsid = Guid.NewGuid().ToString();
        Directory.CreateDirectory(Path.Combine(_directory, "mon.a"));
        Directory.CreateDirectory(Path.Combine(_directory, "osd.0"));
        Directory.CreateDirectory(Path.Combine(_directory, "run"));
        Directory.CreateDirectory(Path.Combine(_directory, "log"));
        // The settings a one-OSD cluster needs (pool size 1) and those that make it start in seconds
        // (paxos propose interval) and answer fast (tcp_nodelay on the beast front end).
        await File.WriteAllTextAsync(Conf, $"""
            [global]
            fsid = {fsid}
            mon host = v2:{Address}:{MonPort}
            mon initial members = a
            public addr = {Address}
            ms bind msgr1 = false
            keyring = {Keyring}
            run dir = {_directory}/run
            admin socket = {_directory}/run/$name.asok
            log file = {_directory}/log/$name.log
            log to stderr = false
            err to stderr = true
            osd pool default size = 1
            osd pool default min size = 1
            osd pool default pg num = 8
            osd pool default pgp num = 8
            osd pool default pg autoscale mode = off
            osd crush chooseleaf type = 0
            mon allow pool size one = true
            mon warn on pool no redundancy = false
            mon max pg per osd = 1000
            auth allow insecure global id reclaim = false
            paxos propose interval = 0.05

            [mon.a]
            mon data = {_directory}/mon.a

            [osd.0]
            osd data = {_directory}/osd.0
            osd objectstore = bluestore
            bluestore block create = true
            bluestore block size = 10737418240
            bluestore fsck on mount = false
            bluestore cache autotune = false
            bluestore cache size = 134217728
            osd memory target = 939524096
            osd op num shards = 2
            osd op num threads per shard = 1

            [client.rgw.a]
            rgw frontends = beast endpoint={Address}:{RgwPort} tcp_nodelay=1
            rgw data = {_directory}/rgw.a
            rgw thread pool size = 64
            rgw enable usage log = false
            rgw dns name =

            """);
        await RunAsync("ceph-authtool", "--create-keyring", Keyring, "--gen-key", "-n", "mon.", "--cap", "mon", "allow *");
        await RunAsync("ceph-authtool", Keyring, "--gen-key", "-n", "client.admin", "--cap", "mon", "allow *", "--cap", "osd", "allow *", "--cap", "mgr", "allow *");
        await RunAsync("ceph-authtool", Keyring, "--gen-key", "-n", "osd.0", "--cap", "mon", "allow profile osd", "--cap", "osd", "allow *", "--cap", "mgr", "allow profile osd");
        await RunAsync("ceph-authtool", Keyring, "--gen-key", "-n", "client.rgw.a", "--cap", "mon", "allow rw", "--cap", "osd", "allow rwx", "--cap", "mgr", "allow rw");
        var monmap = Path.Combine(_directory, "monmap");
        await RunAsync("monmaptool", "--create", "--fsid", fsid, "--addv", "a", $"[v2:{Address}:{MonPort}]", monmap);
        await RunAsync("ceph-mon", "-c", Conf, "-i", "a", "--mkfs", "--monmap", monmap, "--keyring", Keyring);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        Launch("mon", "ceph-mon", "-c", Conf, "-i", "a", "-f");
        await WaitForAsync("the monitor", deadline, async () => await TryRunAsync("ceph", "-c", Conf, "--connect-timeout", "2", "mon", "stat") is not null);
        var osdUuid = Guid.NewGuid().ToString();
        await RunAsync("ceph", "-c", Conf, "osd", "new", osdUuid, "0");
        await RunAsync("ceph-osd", "-c", Conf, "-i", "0", "--mkfs", "--osd-uuid", osdUuid);
        Launch("osd", "ceph-osd", "-c", Conf, "-i", "0", "-f");
        await WaitForAsync("osd.0 up", deadline, async () => (await TryRunAsync("ceph", "-c", Conf, "osd", "dump")) is { } dump && dump.Contains("osd.0 up"));
        await RunAsync("radosgw-admin", "-c", Conf, "-n", "client.admin", "user", "create", "--uid=tester", "--display-name=tester",
            "--access-key=" + AccessKey, "--secret-key=" + SecretKey);
        Launch("rgw", "radosgw", "-c", Conf, "-n", "client.rgw.a", "-f");
        await WaitForAsync("radosgw's port", deadline, async () =>
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(new IPEndPoint(Address, RgwPort));
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        });
    }

    /// <summary>Creates a bucket (radosgw may answer 5xx for a moment after its port opens: retried until the deadline).</summary>
    public async Task CreateBucketAsync(string bucket)
    {
        using var client = new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(AccessKey, SecretKey), new Amazon.S3.AmazonS3Config
        {
            ServiceURL = ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await client.PutBucketAsync(bucket);
                return;
            }
            catch (Amazon.S3.AmazonS3Exception e) when ((int)e.StatusCode >= 500 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private void Launch(string name, string tool, params string[] args)
    {
        // exec: the daemon keeps the shell's pid, so Kill reaches it (ip netns exec execs too); its output goes to a file of its own.
        string[] shell = ["-c", "exec \"$0\" \"$@\" >>" + Path.Combine(_directory, "log", name + ".out") + " 2>&1", tool, .. args];
        var start = _machine?.Command("/bin/sh", shell) ?? new ProcessStartInfo("/bin/sh", shell) { UseShellExecute = false };
        _daemons.Add(Process.Start(start) ?? throw new CephStartException($"{tool} did not start"));
    }

    private async Task WaitForAsync(string what, DateTime deadline, Func<Task<bool>> ready)
    {
        while (!await ready())
        {
            foreach (var daemon in _daemons)
                if (daemon.HasExited)
                    throw new CephStartException($"a daemon exited (code {daemon.ExitCode}) while waiting for {what}");
            if (DateTime.UtcNow > deadline)
                throw new CephStartException($"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    private async Task RunAsync(string tool, params string[] args)
    {
        var (code, output) = await ExecAsync(tool, args);
        if (code != 0)
            throw new CephStartException($"{tool} {string.Join(' ', args)} failed ({code}): {output}");
    }

    private async Task<string?> TryRunAsync(string tool, params string[] args)
    {
        var (code, output) = await ExecAsync(tool, args);
        return code == 0 ? output : null;
    }

    private async Task<(int Code, string Output)> ExecAsync(string tool, string[] args)
    {
        var start = _machine?.Command(tool, args) ?? new ProcessStartInfo(tool, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new CephStartException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new CephStartException($"{tool} {string.Join(' ', args)} did not finish within 60 s");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private string LogTail()
    {
        var text = new StringBuilder();
        var logs = Path.Combine(_directory, "log");
        if (!Directory.Exists(logs))
            return "";
        foreach (var file in Directory.EnumerateFiles(logs, "*.out"))
        {
            var lines = File.ReadAllLines(file);
            text.Append("== ").AppendLine(Path.GetFileName(file)).AppendJoin('\n', lines.TakeLast(10)).AppendLine();
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        // radosgw, then the OSD, then the monitor: each stops cleanly while the ones it talks to still run.
        for (var i = _daemons.Count - 1; i >= 0; i--)
        {
            var daemon = _daemons[i];
            if (!daemon.HasExited)
            {
                daemon.Kill();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await daemon.WaitForExitAsync(timeout.Token); } catch (OperationCanceledException) { }
            }
            daemon.Dispose();
        }
        _daemons.Clear();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
