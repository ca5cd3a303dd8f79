using System.Diagnostics;
using HostingPanel.Testing;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>Other real clients: Python's smtplib and swaks (Debian).</summary>
public sealed class SmtpClientToolTests
{
    private static async Task<(int Exit, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task PythonSmtplib_SubmitsOverStartTls_AndDeliversInbound()
    {
        var python = TestEnvironment.RequireTool("python3", "python3");
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        var script = $$"""
            import smtplib, ssl
            ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
            with smtplib.SMTP("127.0.0.1", {{engine.SubmissionPort}}) as s:
                s.starttls(context=ctx); s.login("adam@example.com", "{{EngineHost.Password}}")
                s.sendmail("adam@example.com", ["betty@example.com"], "From: adam@example.com\r\nTo: betty@example.com\r\nSubject: from python\r\n\r\nhi\r\n")
            with smtplib.SMTP("127.0.0.1", {{engine.SmtpPort}}) as s:
                s.ehlo("client.example")
                assert s.has_extn("enhancedstatuscodes") and s.has_extn("size")
                code, _ = s.rcpt("nobody@example.com") if s.mail("x@example.org")[0] == 250 else (0, b"")
                assert code == 550, code
                s.rset()
                s.sendmail("x@example.org", ["adam@example.com"], "Subject: python inbound\n\nbare LF lines are CRLF on the wire\n")
            print("ok")
            """;
        var (exit, output) = await RunAsync(python, "-c", script);
        Assert.True(exit == 0, output);
        Assert.Contains("Subject: from python", Assert.Single(await SmtpTestKit.InboxAsync(engine, betty)));
        Assert.Contains("Subject: python inbound", Assert.Single(await SmtpTestKit.InboxAsync(engine, adam)));
    }

    [Fact]
    public async Task Swaks_SubmitsWithAuthOverTls_AndIsRefusedForAForeignSender()
    {
        var swaks = TestEnvironment.RequireTool("swaks", "swaks");
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        var (exit, output) = await RunAsync(swaks, "--server", "127.0.0.1", "--port", engine.SubmissionPort.ToString(), "--tls",
            "--auth", "LOGIN", "--auth-user", "adam@example.com", "--auth-password", EngineHost.Password,
            "--from", "adam@example.com", "--to", "betty@example.com", "--header", "Subject: from swaks", "--timeout", "20");
        Assert.True(exit == 0, output);
        Assert.Contains("Subject: from swaks", Assert.Single(await SmtpTestKit.InboxAsync(engine, betty)));

        (exit, output) = await RunAsync(swaks, "--server", "127.0.0.1", "--port", engine.SubmissionsPort.ToString(), "--tls-on-connect",
            "--auth", "PLAIN", "--auth-user", "adam@example.com", "--auth-password", EngineHost.Password,
            "--from", "betty@example.com", "--to", "betty@example.com", "--timeout", "20");
        Assert.NotEqual(0, exit);
        Assert.Contains("553 5.7.1", output);
    }
}
