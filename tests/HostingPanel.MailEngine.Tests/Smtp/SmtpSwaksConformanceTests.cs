using System.Diagnostics;
using HostingPanel.Testing;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// RFC 5321 checks driven by swaks (Debian's SMTP test tool, an independent client) against the MX
/// listener (issue 17 item 6): no imaptest-like suite exists for SMTP, so each test is one rule of the
/// RFC as swaks exercises it, with what must arrive in the mailbox.
/// </summary>
public sealed class SmtpSwaksConformanceTests
{
    private const string To = "swaks-rcpt@example.com";

    private static async Task<(int Exit, string Output)> SwaksAsync(EngineHost engine, params string[] args)
    {
        var swaks = TestEnvironment.RequireTool("swaks", "swaks");
        var start = new ProcessStartInfo(swaks) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["--server", "127.0.0.1", "--port", engine.SmtpPort.ToString(), "--helo", "client.example.org", "--timeout", "30", .. args])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task Rfc5321_4_5_2_DotStuffedLines_ArriveWithTheirDots_AndOnlyCrLfDotCrLfEndsTheData()
    {
        await using var engine = await EngineHost.StartAsync();
        var rcpt = await engine.CreateMailboxAsync(To);
        var data = "From: a@example.org\\nTo: " + To + "\\nSubject: dots\\n\\n.hidden line\\n..two dots\\n. dot space\\nlast\\n";
        var (exit, output) = await SwaksAsync(engine, "--from", "a@example.org", "--to", To, "--data", data);
        Assert.True(exit == 0, output);
        var stored = Assert.Single(await SmtpTestKit.InboxAsync(engine, rcpt));
        Assert.True(stored.Contains("\r\n.hidden line\r\n..two dots\r\n. dot space\r\nlast\r\n", StringComparison.Ordinal), stored + "\n---\n" + output);
    }

    [Fact]
    public async Task Rfc5321_4_5_5_TheNullReversePath_IsAccepted_ForBounces()
    {
        await using var engine = await EngineHost.StartAsync();
        var rcpt = await engine.CreateMailboxAsync(To);
        var (exit, output) = await SwaksAsync(engine, "--from", "<>", "--to", To, "--header", "Subject: a bounce");
        Assert.True(exit == 0, output);
        Assert.Contains("MAIL FROM:<>", output);
        Assert.Contains("Subject: a bounce", Assert.Single(await SmtpTestKit.InboxAsync(engine, rcpt)));
    }

    [Fact]
    public async Task Rfc5321_4_1_1_1_HeloWithoutExtensions_StillDelivers()
    {
        await using var engine = await EngineHost.StartAsync();
        var rcpt = await engine.CreateMailboxAsync(To);
        var (exit, output) = await SwaksAsync(engine, "--protocol", "SMTP", "--port", engine.SmtpPort.ToString(), "--from", "a@example.org", "--to", To,
            "--header", "Subject: plain helo");
        Assert.True(exit == 0, output);
        Assert.Contains("HELO client.example.org", output);
        Assert.Contains("Subject: plain helo", Assert.Single(await SmtpTestKit.InboxAsync(engine, rcpt)));
    }

    /// <summary>RFC 2920: the whole envelope in one write; each command still gets its own reply, in order.</summary>
    [Fact]
    public async Task Rfc2920_APipelinedEnvelope_GetsAReplyPerCommand_AndTheKnownRecipientTheMail()
    {
        await using var engine = await EngineHost.StartAsync();
        var rcpt = await engine.CreateMailboxAsync(To);
        var (_, output) = await SwaksAsync(engine, "--pipeline", "--from", "a@example.org", "--to", $"{To},nobody@example.com",
            "--header", "Subject: pipelined");
        Assert.Contains("PIPELINING", output);
        Assert.Contains("550 5.1.1", output);
        Assert.Contains("Subject: pipelined", Assert.Single(await SmtpTestKit.InboxAsync(engine, rcpt)));
    }

    /// <summary>RFC 5321 3.3: nothing is delivered for a transaction that ends before DATA completes.</summary>
    [Fact]
    public async Task Rfc5321_3_3_ATransactionLeftAfterRcpt_DeliversNothing()
    {
        await using var engine = await EngineHost.StartAsync();
        var rcpt = await engine.CreateMailboxAsync(To);
        var (exit, output) = await SwaksAsync(engine, "--quit-after", "RCPT", "--from", "a@example.org", "--to", To);
        Assert.True(exit == 0, output);
        Assert.Contains("221 ", output);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, rcpt));
    }
}
