using HostingPanel.Testing;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using HostingPanel.MailEngine.Tests.Reliability;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// A mail node in its own process on a machine of a <see cref="NetworkLab"/>: the crash harness's engine with its real
/// SMTP (25), IMAP (143) and POP3 (110) listeners on the machine's address, on a shared PostgreSQL database and the
/// given body store, taking PROXY headers from the balancer only. It can be SIGKILLed and started again (rejoin).
/// </summary>
public sealed class LabMailNode : IAsyncDisposable
{
    private readonly string _postgres;
    private readonly Dictionary<string, string?> _settings;
    private Process? _process;
    private Task<string>? _errors;

    public LabMailNode(NetworkLab.Machine machine, string postgres, IPAddress balancer, IReadOnlyDictionary<string, string?> bodyStore)
    {
        Machine = machine;
        _postgres = postgres;
        DataDirectory = Path.Combine(Path.GetTempPath(), "hp-node-" + Guid.NewGuid().ToString("N")[..8]);
        _settings = new(bodyStore)
        {
            ["Mail:BindAddress"] = machine.Address.ToString(),
            // Each node greets with its own name: a client behind the balancer can tell which node it reached.
            ["Mail:Hostname"] = Hostname,
            ["Mail:Smtp:Port"] = "25",
            ["Mail:Imap:Port"] = "143",
            ["Mail:Pop3:Port"] = "110",
            ["Mail:ProxyProtocol:TrustedNetworks:0"] = balancer.ToString(),
        };
    }

    public NetworkLab.Machine Machine { get; }
    public string Hostname => $"node{Machine.Address.GetAddressBytes()[3]}.lab.test";
    public string DataDirectory { get; }
    public IPEndPoint Imap => new(Machine.Address, 143);
    public bool Running => _process is { HasExited: false };

    /// <summary>Starts the node and waits until its listeners are up.</summary>
    public async Task StartAsync()
    {
        System.IO.Directory.CreateDirectory(DataDirectory);
        var start = Machine.Command(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", CrashOverTheWireTests.HarnessPath(), DataDirectory, "0", "listen");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment["HOSTINGPANEL_CRASH_POSTGRES"] = _postgres;
        start.Environment["HOSTINGPANEL_CRASH_SETTINGS"] = JsonSerializer.Serialize(_settings);
        _process = Process.Start(start) ?? throw new InvalidOperationException("the node did not start");
        _errors = _process.StandardError.ReadToEndAsync();
        using var startup = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (await _process.StandardOutput.ReadLineAsync(startup.Token) is { } line)
        {
            if (line == "READY")
            {
                // Nothing more is read from its output: drain it so that the node never blocks on a full pipe.
                _ = _process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
                return;
            }
        }
        throw new InvalidOperationException($"node {Machine.Address} exited before it was ready: {await _errors}");
    }

    /// <summary>SIGKILL: no shutdown code runs, its database sessions end when the kernel closes their sockets.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
        try { System.IO.Directory.Delete(DataDirectory, recursive: true); } catch (Exception) { }
    }
}
