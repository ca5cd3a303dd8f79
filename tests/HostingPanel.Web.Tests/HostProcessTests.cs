using System.Net;
using System.Net.Sockets;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests;

/// <summary>Starting the product as an operator does, and the one-line errors that stop a bad start.</summary>
public sealed class HostProcessTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hp-process", Guid.NewGuid().ToString("N"));
    private static readonly TimeSpan StartTimeout = ProductProcess.StartTimeout;

    [Fact]
    public async Task FirstStart_PrintsWhereItListens_AndTheGeneratedAdminLogin_ThenServesTheLoginPage()
    {
        await using var product = ProductProcess.Start(Path.GetTempPath(), ProductProcess.IsolatedArgs(_data, withMail: true));
        Assert.True(await product.WaitUntilRunningAsync(StartTimeout), product.Stdout + product.Stderr);

        var port = product.HttpPort;
        // The mail lines name the ports actually bound (the settings asked the OS for free ones).
        Assert.Matches(@"IMAP: +127\.0\.0\.1:[1-9][0-9]* \(STARTTLS\), 127\.0\.0\.1:[1-9][0-9]* \(TLS\)", product.Stdout);
        using (var imap = new TcpClient())
        {
            await imap.ConnectAsync(IPAddress.Loopback, product.MailPort("imap"), TestContext.Current.CancellationToken);
            Assert.StartsWith("* OK", await new StreamReader(imap.GetStream()).ReadLineAsync(TestContext.Current.CancellationToken));
        }
        Assert.Contains("First admin:    admin@example.com", product.Stdout);
        var passwordFile = Path.Combine(_data, "initial-admin-password.txt");
        var stored = (await File.ReadAllLinesAsync(passwordFile, TestContext.Current.CancellationToken))[1];
        Assert.Matches("^[A-Za-z0-9_-]{20}$", stored);
        Assert.Contains($"Password:       {stored}", product.Stdout);
        Assert.True(File.Exists(Path.Combine(_data, "panel.db")));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var login = await http.GetStringAsync("/account/login", TestContext.Current.CancellationToken);
        Assert.Contains("Sign in", login);
    }

    [Fact]
    public async Task SecondStart_DoesNotPrintThePasswordAgain()
    {
        await using (var first = ProductProcess.Start(Path.GetTempPath(), ProductProcess.IsolatedArgs(_data)))
            Assert.True(await first.WaitUntilRunningAsync(StartTimeout), first.Stdout + first.Stderr);
        var stored = (await File.ReadAllLinesAsync(Path.Combine(_data, "initial-admin-password.txt"), TestContext.Current.CancellationToken))[1];

        await using var second = ProductProcess.Start(Path.GetTempPath(), ProductProcess.IsolatedArgs(_data));
        Assert.True(await second.WaitUntilRunningAsync(StartTimeout), second.Stdout + second.Stderr);
        Assert.DoesNotContain(stored, second.Stdout);
        Assert.Contains("the generated password is in", second.Stdout);
    }

    /// <summary>The mail role back on (the isolated arguments leave it out), its ports chosen by the OS.</summary>
    private static string[] WithMail => ["--Roles=Portal,Worker,Mail", .. ProductProcess.IsolatedArgs("unused", withMail: true).Where(a => a.StartsWith("--Mail:", StringComparison.Ordinal))];

    public static TheoryData<string, string[], string> BadStarts => new()
    {
        { "unknown provider", ["--Database:Provider=Oracle"], "Database:Provider is 'Oracle'; set it to Sqlite or PostgreSql." },
        { "unreachable PostgreSQL", ["--Database:Provider=PostgreSql", $"--ConnectionStrings:Panel=Host=127.0.0.1;Port={ProductProcess.FreePort()};Database=x;Username=x;Password=x;Timeout=3"], "Cannot reach PostgreSQL at 127.0.0.1:" },
        { "open-files budget", ["--Http:Limits:MaxConcurrentConnections=100000000"], "lower Mail:Limits:Total or Http:Limits:MaxConcurrentConnections, or raise the limit (ulimit -n" },
        { "unwritable data directory", ["--Storage:DataDirectory=/proc/hostingpanel-cannot-write-here"], "The data directory /proc/hostingpanel-cannot-write-here is not writable" },
        { "unknown blob provider", [.. WithMail, "--Storage:Blobs:Provider=Ftp"], "Storage:Blobs:Provider is 'Ftp'; it must be File or S3." },
        { "S3 without a bucket", [.. WithMail, "--Storage:Blobs:Provider=S3", "--Storage:Blobs:S3:ServiceUrl=http://127.0.0.1:9"], "Storage:Blobs:S3:Bucket is required when Storage:Blobs:Provider is S3." },
    };

    [Theory, MemberData(nameof(BadStarts))]
    public async Task BadSettings_StopStartUp_WithOneClearLine(string why, string[] extra, string expected)
    {
        var args = ProductProcess.IsolatedArgs(_data).Concat(extra).ToArray();
        await using var product = ProductProcess.Start(Path.GetTempPath(), args);
        var code = await product.WaitForExitAsync(StartTimeout);

        Assert.Equal(1, code);
        var lines = product.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"{why}: expected one line, got:\n{product.Stderr}");
        Assert.StartsWith("HostingPanel cannot start: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", product.Stdout + product.Stderr);
    }

    [Fact]
    public async Task PortInUse_StopsStartUp_WithOneClearLine()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        await using var product = ProductProcess.Start(Path.GetTempPath(), ProductProcess.IsolatedArgs(_data).Append($"--Urls=http://127.0.0.1:{port}").ToArray());
        Assert.Equal(1, await product.WaitForExitAsync(StartTimeout));
        var line = Assert.Single(product.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("a port is already in use", line);
    }

    /// <summary>
    /// Issue 16 item 3: a mail port belongs to one process. A second copy started on the same mail ports
    /// (other data directory, other web port) stops with the one-line error, and the first keeps serving
    /// every inbound message (before, both bound with SO_REUSEPORT and shared the connections).
    /// </summary>
    [Fact]
    public async Task SecondProcess_OnTheSameMailPorts_StopsWithOneClearLine_AndTheFirstKeepsThePorts()
    {
        await using var first = ProductProcess.Start(Path.GetTempPath(), ProductProcess.IsolatedArgs(_data, withMail: true));
        Assert.True(await first.WaitUntilRunningAsync(StartTimeout), first.Stdout + first.Stderr);

        foreach (var listener in new[] { "Imap", "Pop3", "Smtp", "Submission" })
        {
            var port = $"--Mail:{listener}:Port={first.MailPort(listener)}";
            var secondArgs = ProductProcess.IsolatedArgs(_data + "-second-" + listener, withMail: true)
                .Where(a => !a.StartsWith($"--Mail:{listener}:Port=", StringComparison.Ordinal)).Append(port).ToArray();
            await using var second = ProductProcess.Start(Path.GetTempPath(), secondArgs);
            Assert.Equal(1, await second.WaitForExitAsync(StartTimeout));
            var line = Assert.Single(second.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("a port is already in use", line);
            try { Directory.Delete(_data + "-second-" + listener, recursive: true); } catch (IOException) { }
        }

        // Every connection still reaches the first process.
        var smtpPort = first.MailPort("smtp");
        for (var i = 0; i < 10; i++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, smtpPort, TestContext.Current.CancellationToken);
            using var reader = new StreamReader(tcp.GetStream());
            Assert.StartsWith("220 ", await reader.ReadLineAsync(TestContext.Current.CancellationToken));
        }
        Assert.False(first.HasExited);
    }

    /// <summary>
    /// Issue 16 item 2: the open-files budget. The default limits allow 10,024 descriptors (8 mail
    /// listeners × 1,000, the portal's 1,000, 1,024 in reserve); under a hard limit of 5,000 the product
    /// stops before binding anything, with one line that names the settings and the limit.
    /// (The .NET runtime itself raises the soft limit to the hard one at start, so only the hard one matters.)
    /// </summary>
    [Fact]
    public async Task HardFileLimitBelowTheConnectionLimits_StopsStartUp_WithOneClearLine()
    {
        await using var product = ProductProcess.StartWithFileLimit(5000, Path.GetTempPath(), ProductProcess.IsolatedArgs(_data, withMail: true));
        Assert.Equal(1, await product.WaitForExitAsync(StartTimeout));
        var line = Assert.Single(product.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("HostingPanel cannot start: the connection limits allow 10,024 open files", line);
        Assert.Contains("mail listeners 8,000", line);
        Assert.Contains("portal (Http:Limits:MaxConcurrentConnections) 1,000", line);
        Assert.Contains("1,024 in reserve", line);
        Assert.Contains("may open only 5,000 (RLIMIT_NOFILE)", line);
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
