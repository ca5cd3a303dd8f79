using System.Diagnostics;
using System.Net;

namespace HostingPanel.Testing;

/// <summary>
/// A private network for one test: a bridge in the test's own namespace (address .1 of a random 10.x.y.0/24) and
/// one Linux network namespace per machine it plays, each joined to the bridge by a veth pair with an address of its
/// own. Servers inside bind their real ports (25, 143, 5432) on their own address, as on separate machines, so
/// nothing is raced with other tests; the test process reaches every one of them through the bridge. Everything
/// is removed on dispose (deleting a namespace deletes its end of each veth pair).
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    /// <summary>One machine of the lab: run a program inside it with <see cref="Command"/>.</summary>
    public sealed record Machine(string Namespace, IPAddress Address)
    {
        /// <summary>A start info for <paramref name="program"/> run inside this machine's namespace (<c>ip netns exec</c> execs it: the pid is the program's).</summary>
        public ProcessStartInfo Command(string program, params string[] args)
        {
            var start = new ProcessStartInfo("ip") { UseShellExecute = false };
            foreach (var arg in new[] { "netns", "exec", Namespace, program }.Concat(args))
                start.ArgumentList.Add(arg);
            return start;
        }
    }

    private readonly string _id;
    private readonly string _bridge;
    private readonly byte[] _prefix;
    private readonly List<Machine> _machines = [];

    private NetworkLab(string id, byte[] prefix)
    {
        _id = id;
        _prefix = prefix;
        _bridge = "hpb" + id;
        Gateway = new IPAddress([.. prefix, 1]);
    }

    /// <summary>The bridge's address in the test's own namespace.</summary>
    public IPAddress Gateway { get; }

    /// <summary>The lab's network, for settings that trust it (e.g. 10.217.4.0/24).</summary>
    public string Network => $"{new IPAddress([.. _prefix, 0])}/24";

    /// <summary>Makes the bridge; skips (fails in CI) when the process may not create namespaces.</summary>
    public static async Task<NetworkLab> CreateAsync()
    {
        TestEnvironment.RequireTool("ip", "iproute2");
        if (Environment.UserName != "root")
            TestEnvironment.Require(false, "network namespaces need root (CI runs as root)");
        var id = Guid.NewGuid().ToString("N")[..6];
        // A /24 no route of this machine covers yet (another lab of a test running beside this one, or a real network).
        var routes = await RunAsync("ip", "-4", "route", "show");
        byte[] prefix;
        do
            prefix = [10, (byte)Random.Shared.Next(160, 250), (byte)Random.Shared.Next(0, 256)];
        while (routes.Contains($"{prefix[0]}.{prefix[1]}.{prefix[2]}.", StringComparison.Ordinal));
        var lab = new NetworkLab(id, prefix);
        try
        {
            await RunAsync("ip", "link", "add", lab._bridge, "type", "bridge");
            await RunAsync("ip", "addr", "add", $"{lab.Gateway}/24", "dev", lab._bridge);
            await RunAsync("ip", "link", "set", lab._bridge, "up");
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
        return lab;
    }

    /// <summary>A new machine with host number <paramref name="host"/> (2 to 254) in the lab's network.</summary>
    public async Task<Machine> AddMachineAsync(string role, byte host)
    {
        var machine = new Machine($"hp{_id}-{role}", new IPAddress([.. _prefix, host]));
        var outside = $"hpv{_id}o{host}";
        var inside = $"hpv{_id}i{host}";
        await RunAsync("ip", "netns", "add", machine.Namespace);
        _machines.Add(machine);
        await RunAsync("ip", "link", "add", outside, "type", "veth", "peer", "name", inside);
        await RunAsync("ip", "link", "set", inside, "netns", machine.Namespace);
        await RunAsync("ip", "link", "set", outside, "master", _bridge);
        await RunAsync("ip", "link", "set", outside, "up");
        await RunAsync("ip", "netns", "exec", machine.Namespace, "ip", "link", "set", "lo", "up");
        await RunAsync("ip", "netns", "exec", machine.Namespace, "ip", "addr", "add", $"{machine.Address}/24", "dev", inside);
        await RunAsync("ip", "netns", "exec", machine.Namespace, "ip", "link", "set", inside, "up");
        return machine;
    }

    /// <summary>Runs a command to its end; throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(string program, params string[] args) => await RunAsync(Start(program, args));

    /// <summary>Runs a prepared command to its end (60 s at most); throws with its output when it fails.</summary>
    public static async Task<string> RunAsync(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish within 60 s");
            }
        }
        var output = await stdout + await stderr;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {output}");
        return output;
    }

    private static ProcessStartInfo Start(string program, string[] args)
    {
        var start = new ProcessStartInfo(program);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        return start;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var machine in _machines)
        {
            // Whatever still runs inside (a daemon a failed test left) dies with its namespace's network: kill it first.
            try { await RunAsync("ip", "netns", "pids", machine.Namespace).ContinueWith(t => KillAll(t.IsCompletedSuccessfully ? t.Result : "")); } catch (Exception) { }
            try { await RunAsync("ip", "netns", "del", machine.Namespace); } catch (Exception) { }
        }
        try { await RunAsync("ip", "link", "del", _bridge); } catch (Exception) { }
    }

    private static void KillAll(string pids)
    {
        foreach (var pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try { Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)).Kill(); } catch (Exception) { }
        }
    }
}
