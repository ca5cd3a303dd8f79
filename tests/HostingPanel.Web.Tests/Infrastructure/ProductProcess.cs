using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace HostingPanel.Web.Tests.Infrastructure;

/// <summary>The product as a separate process (`dotnet HostingPanel.Web.dll`), for what only a real start shows.</summary>
public sealed class ProductProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ProductProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public static ProductProcess Start(string workingDirectory, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HostingPanel.Web.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        return new ProductProcess(Process.Start(info)!);
    }

    /// <summary>Started from a shell that first lowers the open-files limit (RLIMIT_NOFILE, soft and hard) to <paramref name="limit"/>.</summary>
    public static ProductProcess StartWithFileLimit(int limit, string workingDirectory, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "HostingPanel.Web.dll");
        var info = new ProcessStartInfo("sh") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"ulimit -n {limit} && exec dotnet \"$0\" \"$@\"");
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        return new ProductProcess(Process.Start(info)!);
    }

    public int Id => _process.Id;

    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (Stdout.Contains(text, StringComparison.Ordinal)) return true;
            if (HasExited) return Stdout.Contains(text, StringComparison.Ordinal);
            await Task.Delay(100);
        }
        return false;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flushes the redirected streams
        return _process.ExitCode;
    }

    /// <summary>
    /// A port nothing listens on at this moment. Only for a port the test itself connects to expecting nobody there:
    /// handing it to a server races every other socket opened in between (mail ports are exclusive, and an outgoing
    /// connection may take the same number), so servers are started on port 0 and report what they bound.
    /// </summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public const string EveryMailListener = "Imap,Imaps,Pop3,Pop3s,Smtp,Submission,Submissions,ManageSieve";

    /// <summary>
    /// Settings that keep a test's product off the default ports and out of the repository. Every port is chosen by
    /// the OS at bind time (HTTP port 0, mail ports -1); <see cref="HttpPort"/> and <see cref="MailPort"/> read what the
    /// start-up banner says was bound.
    /// </summary>
    public static string[] IsolatedArgs(string dataDirectory, bool withMail = false)
    {
        var args = new List<string> { "--Urls=http://127.0.0.1:0", $"--Storage:DataDirectory={dataDirectory}" };
        if (!withMail) args.Add("--Roles=Portal,Worker");
        else
            foreach (var key in EveryMailListener.Split(','))
                args.Add($"--Mail:{key}:Port=-1");
        return args.ToArray();
    }

    /// <summary>Waits for the whole start-up banner (it ends with the admin login line).</summary>
    /// <summary>
    /// How long a first start may take before a test gives up: seconds on a quiet machine, but a start JITs the whole
    /// product and generates keys, and on two busy cores (CI beside other builds) it once printed nothing for 90 s.
    /// </summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    public async Task<bool> WaitUntilRunningAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var stdout = Stdout;
            if (stdout.Contains("HostingPanel is running.", StringComparison.Ordinal)
                && (stdout.Contains("  Password:", StringComparison.Ordinal) || stdout.Contains("  Log in as", StringComparison.Ordinal)))
                return true;
            if (HasExited) return false;
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>The portal's port, as the banner printed it.</summary>
    public int HttpPort
    {
        get
        {
            var match = Regex.Match(Stdout, @"Portal and API: http://127\.0\.0\.1:(\d+)");
            return match.Success ? int.Parse(match.Groups[1].Value) : throw new InvalidOperationException("no portal address in the banner: " + Stdout);
        }
    }

    /// <summary>A mail listener's port ("imap", "pop3s", "submission", ...), as the banner printed it.</summary>
    public int MailPort(string listener)
    {
        var (label, index) = listener.ToLowerInvariant() switch
        {
            "imap" => ("IMAP:", 0), "imaps" => ("IMAP:", 1),
            "pop3" => ("POP3:", 0), "pop3s" => ("POP3:", 1),
            "smtp" => ("SMTP:", 0), "submission" => ("SMTP:", 1), "submissions" => ("SMTP:", 2),
            "managesieve" => ("ManageSieve:", 0),
            _ => throw new ArgumentException("unknown listener " + listener, nameof(listener)),
        };
        var line = Stdout.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no {label} line in the banner: " + Stdout);
        var entry = Regex.Matches(line, @"(off|[0-9.]+:(\d+)) \(")[index];
        return entry.Groups[2].Success ? int.Parse(entry.Groups[2].Value) : throw new InvalidOperationException($"{listener} is off: {line}");
    }

    /// <summary>SIGKILL, as a crash or an out-of-memory kill would end it: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await KillAsync();
        _process.Dispose();
    }
}
