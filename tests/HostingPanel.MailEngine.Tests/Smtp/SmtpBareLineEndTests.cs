using System.Diagnostics;
using System.Text;
using HostingPanel.Testing;
using HostingPanel.MailEngine.Tests.Security;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Bare LF and bare CR inside DATA are made CRLF and the message is accepted, as Postfix 3.9 does with
/// <c>smtpd_forbid_bare_newline = normalize</c>; only CRLF.CRLF ends DATA (the smuggling side is in
/// <see cref="SmtpSmugglingTests"/>).
/// </summary>
public sealed class SmtpBareLineEndTests
{
    private static async Task<(int Exit, string Output)> RunAsync(string file, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task PythonSmtplib_BytesWithBareLf_ArriveWithCrLf()
    {
        var python = TestEnvironment.RequireTool("python3", "python3");
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        // smtplib sends a bytes message as it is (only a str gets its line ends fixed): bare LF on the wire.
        var script = $$"""
            import smtplib
            with smtplib.SMTP("127.0.0.1", {{engine.SmtpPort}}) as s:
                s.ehlo("client.example")
                s.sendmail("x@example.org", ["adam@example.com"], b"Subject: python bytes\nX-Test: one\n\nfirst line\n.leading dot\nlast line\n")
            print("ok")
            """;
        var (exit, output) = await RunAsync(python, null, "-c", script);
        Assert.True(exit == 0, output);
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Subject: python bytes\r\nX-Test: one\r\n\r\nfirst line\r\n.leading dot\r\nlast line\r\n", stored);
        AssertNoBareLineEnds(stored);
    }

    [Fact]
    public async Task Swaks_DataWithBareLf_ArrivesWithCrLf()
    {
        var swaks = TestEnvironment.RequireTool("swaks", "swaks");
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        // --no-data-fixup: swaks sends the DATA exactly as given (bare LF), and the end of data is ours.
        var data = "From: x@example.org\nTo: adam@example.com\nSubject: swaks bare lf\n\nline one\nline two\n\r\n.\r\n";
        var (exit, output) = await RunAsync(swaks, data, "--server", "127.0.0.1", "--port", engine.SmtpPort.ToString(),
            "--from", "x@example.org", "--to", "adam@example.com", "--data", "-", "--no-data-fixup", "--timeout", "20");
        Assert.True(exit == 0, output);
        Assert.Contains("250 2.0.0", output);
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Contains("Subject: swaks bare lf\r\n\r\nline one\r\nline two\r\n", stored);
        AssertNoBareLineEnds(stored);
    }

    [Theory]
    [InlineData("smtp")]
    [InlineData("submission")]
    public async Task BareCrAndBareLf_OnTheWire_AreStoredAsCrLf(string listener)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await SmtpWire.OpenDataAsync(engine, listener);
        await c.SendAsync("From: adam@example.com\nSubject: mixed\r\n\r\nlf\ncr\rcrcrlf\r\r\nend\r\n.\r\n");
        Assert.StartsWith("250 2.0.0", await c.ReadSmtpReplyAsync());
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.EndsWith("From: adam@example.com\r\nSubject: mixed\r\n\r\nlf\r\ncr\r\ncrcrlf\r\n\r\nend\r\n", stored);
        AssertNoBareLineEnds(stored);
    }

    internal static void AssertNoBareLineEnds(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
                Assert.True(i > 0 && text[i - 1] == '\r', $"bare LF at {i}");
            if (text[i] == '\r')
                Assert.True(i + 1 < text.Length && text[i + 1] == '\n', $"bare CR at {i}");
        }
    }
}

/// <summary>Opening an SMTP transaction up to DATA on a raw socket, inbound or submission.</summary>
internal static class SmtpWire
{
    public static async Task<RawLineClient> OpenDataAsync(EngineHost engine, string listener, string rcpt = "adam@example.com")
    {
        var c = await OpenMailAsync(engine, listener);
        Assert.StartsWith("250", await c.SmtpAsync($"RCPT TO:<{rcpt}>"));
        Assert.StartsWith("354", await c.SmtpAsync("DATA"));
        return c;
    }

    /// <summary>Greeted, EHLO'd (and for submission STARTTLS'd and authenticated as adam), MAIL FROM given.</summary>
    public static async Task<RawLineClient> OpenMailAsync(EngineHost engine, string listener, string mailParameters = "")
    {
        var c = await OpenSessionAsync(engine, listener);
        var from = listener == "submission" ? "adam@example.com" : "alice@example.org";
        Assert.StartsWith("250", await c.SmtpAsync($"MAIL FROM:<{from}>{mailParameters}"));
        return c;
    }

    public static async Task<RawLineClient> OpenSessionAsync(EngineHost engine, string listener)
    {
        var submission = listener == "submission";
        var c = await RawLineClient.ConnectAsync(submission ? engine.SubmissionPort : engine.SmtpPort);
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
        if (submission)
        {
            Assert.StartsWith("220", await c.SmtpAsync("STARTTLS"));
            await c.StartTlsAsync();
            Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
            var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0adam@example.com\0{EngineHost.Password}"));
            Assert.StartsWith("235", await c.SmtpAsync("AUTH PLAIN " + auth));
        }
        return c;
    }
}
