using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Tests.Smtp;
using HostingPanel.Testing;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Deliverability;

/// <summary>
/// One rspamd from Debian for the class, its DNS pointed at a dnsmasq of the test that publishes SPF and DMARC records
/// (p=reject for reject.example, p=quarantine for quarantine.example), with one multimap rule of the test (subject
/// "junk-test" scores 8, past rspamd's "add header" threshold of 6; "reject-test" 20, past its reject threshold of 15).
/// Note: rspamd 3.4 scored the GTUBE line 1.4 (no GTUBE symbol) when the client address was 127.0.0.1, though it rejects
/// GTUBE sent to /checkv2 without an IP; the reject path is therefore driven by the test's own rule.
/// </summary>
public sealed class RspamdFixture : IAsyncLifetime
{
    public DnsmasqServer Dns { get; private set; } = null!;
    public RspamdServer Rspamd { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Dns = await DnsmasqServer.StartAsync();
        foreach (var domain in new[] { "reject.example", "quarantine.example" })
            Dns.SetTxt(domain, "v=spf1 -all");
        Dns.SetTxt("_dmarc.reject.example", "v=DMARC1; p=reject");
        Dns.SetTxt("_dmarc.quarantine.example", "v=DMARC1; p=quarantine");
        await Dns.PublishAsync();
        // With Bayes on a redis of the test, so the learning tests can teach; Bayes never classifies here (rspamd's
        // min_learns of 200 is never reached), so what is taught cannot change another test's verdict.
        Rspamd = await RspamdServer.StartAsync(Dns.Endpoint, bayes: true, localFiles: new Dictionary<string, string>
        {
            ["multimap.conf"] = "TEST_JUNK { type = \"header\"; header = \"Subject\"; regexp = true; map = \"$LOCAL_CONFDIR/local.d/junk.map\"; score = 8.0; }\n"
                + "TEST_REJECT { type = \"header\"; header = \"Subject\"; regexp = true; map = \"$LOCAL_CONFDIR/local.d/reject.map\"; score = 20.0; }\n",
            ["junk.map"] = "/junk-test/i\n",
            ["reject.map"] = "/reject-test/i\n",
            // The tests connect from 127.0.0.1, which rspamd would exempt from SPF and DKIM checks.
            ["spf.conf"] = "check_local = true;\ncheck_authed = true;\n",
            ["dkim.conf"] = "check_local = true;\ncheck_authed = true;\n",
            ["dmarc.conf"] = "check_local = true;\ncheck_authed = true;\n",
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Rspamd is not null) await Rspamd.DisposeAsync();
        if (Dns is not null) await Dns.DisposeAsync();
    }
}

/// <summary>
/// Inbound filtering on the MX port through rspamd's <c>/checkv2</c>, over real SMTP: a message past the reject score refused at the end of DATA with
/// 554 5.7.1 (nothing stored), a message past the junk score filed into Junk, a clean one in INBOX with
/// Authentication-Results; the sender's DMARC policy enforced (reject: 550 5.7.1, quarantine: Junk), each decision in the
/// delivery log; with rspamd down the mail is accepted unfiltered.
/// </summary>
public sealed class RspamdFilteringTests(RspamdFixture rspamd) : IClassFixture<RspamdFixture>
{
    private const string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private Task<EngineHost> StartAsync(string? url = null) => EngineHost.StartAsync(new()
    {
        ["Mail:Rspamd:Url"] = url ?? rspamd.Rspamd.Url,
        ["Mail:DeliveryLog:FlushInterval"] = "00:00:00.050",
    });

    /// <summary>Null when accepted, else the reply.</summary>
    private static async Task<string?> SendAsync(EngineHost engine, string from, string to, string subject, string body = "Hello, a normal message about the meeting.")
    {
        using var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort);
        try
        {
            await client.SendAsync(SmtpTestKit.Message(from, to, subject, body));
            return null;
        }
        catch (SmtpCommandException e)
        {
            return $"{(int)e.StatusCode} {e.Message}";
        }
        finally
        {
            await client.DisconnectAsync(true);
        }
    }

    private static async Task<List<string>> FolderAsync(EngineHost engine, string address, string folder)
    {
        var account = (await engine.Directory.FindMailboxAsync(address))!;
        var f = await engine.Store.GetFolderAsync(account.Id, folder);
        var texts = new List<string>();
        foreach (var m in f is null ? [] : await engine.Store.ListMessagesAsync(f.Id))
        {
            await using var body = engine.Store.OpenBody(m);
            texts.Add(await new StreamReader(body).ReadToEndAsync());
        }
        return texts;
    }

    private static async Task<IReadOnlyList<DeliveryLogLine>> LogAsync(EngineHost engine, string recipient, int atLeast)
    {
        var log = engine.Services.GetRequiredService<IDeliveryLog>();
        IReadOnlyList<DeliveryLogLine> lines = [];
        await SmtpTestKit.EventuallyAsync(async () =>
        {
            lines = (await log.SearchAsync(new DeliveryLogQuery(recipient, null, null, null, null, 0, 100))).Items;
            return lines.Count >= atLeast;
        }, "delivery log lines for " + recipient);
        return lines;
    }

    [Fact]
    public async Task PastTheRejectScore_IsRefusedAtTheEndOfData_With554_5_7_1_AndNothingIsStored()
    {
        await using var engine = await StartAsync();
        await engine.CreateMailboxAsync("bob@example.com");
        var reply = await SendAsync(engine, "alice@sender.example", "bob@example.com", "reject-test offer");
        Assert.NotNull(reply);
        Assert.StartsWith("554 5.7.1", reply);
        Assert.Empty(await FolderAsync(engine, "bob@example.com", "INBOX"));
        Assert.Empty(await FolderAsync(engine, "bob@example.com", "Junk"));
        Assert.Contains(await LogAsync(engine, "bob@example.com", 1), l => l.Outcome == "refused" && l.Reason == "spam_reject");
    }

    [Fact]
    public async Task PastTheJunkScore_IsFiledIntoJunk_CleanMailIntoInbox_BothWithAuthenticationResults()
    {
        await using var engine = await StartAsync();
        await engine.CreateMailboxAsync("bob@example.com");
        Assert.Null(await SendAsync(engine, "alice@sender.example", "bob@example.com", "junk-test offer"));
        Assert.Null(await SendAsync(engine, "alice@sender.example", "bob@example.com", "meeting tomorrow"));

        var junk = Assert.Single(await FolderAsync(engine, "bob@example.com", "Junk"));
        Assert.Contains("Subject: junk-test offer", junk);
        Assert.Contains("X-Spam-Status: Yes, score=", junk);
        var inbox = Assert.Single(await FolderAsync(engine, "bob@example.com", "INBOX"));
        Assert.Contains("Subject: meeting tomorrow", inbox);
        Assert.Contains("X-Spam-Status: No, score=", inbox);
        Assert.Contains("Authentication-Results: mail.test;", inbox);
        Assert.Contains(await LogAsync(engine, "bob@example.com", 4), l => l.Outcome == "filed" && l.Reason == "spam_junk");
    }

    [Fact]
    public async Task DmarcPolicy_RejectRefuses550_QuarantineFilesIntoJunk_WrittenInTheDeliveryLog()
    {
        await using var engine = await StartAsync();
        await engine.CreateMailboxAsync("bob@example.com");

        // The From domains publish "v=spf1 -all" and no DKIM key: the message from 127.0.0.1 fails SPF and DKIM alignment.
        var refused = await SendAsync(engine, "ceo@reject.example", "bob@example.com", "wire transfer");
        Assert.NotNull(refused);
        Assert.StartsWith("550 5.7.1 rejected by the DMARC policy of reject.example", refused);
        Assert.Null(await SendAsync(engine, "news@quarantine.example", "bob@example.com", "newsletter"));

        var junk = Assert.Single(await FolderAsync(engine, "bob@example.com", "Junk"));
        Assert.Contains("Subject: newsletter", junk);
        Assert.Contains("dmarc=fail", junk);
        Assert.Contains("spf=fail", junk);
        Assert.Empty(await FolderAsync(engine, "bob@example.com", "INBOX"));
        var lines = await LogAsync(engine, "bob@example.com", 3);
        Assert.Contains(lines, l => l.Outcome == "refused" && l.Reason == "dmarc_reject");
        Assert.Contains(lines, l => l.Outcome == "filed" && l.Reason == "dmarc_quarantine");
    }

    [Fact]
    public async Task RspamdDown_MailIsAcceptedUnfiltered_FailOpen()
    {
        // A port nothing listens on (bound and released by the kernel's choice, then closed).
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var engine = await StartAsync($"http://127.0.0.1:{closedPort}");
        await engine.CreateMailboxAsync("bob@example.com");
        Assert.Null(await SendAsync(engine, "alice@sender.example", "bob@example.com", "while the filter is down", Gtube));
        var inbox = Assert.Single(await FolderAsync(engine, "bob@example.com", "INBOX"));
        Assert.DoesNotContain("X-Spam-Status", inbox);
        var client = engine.Services.GetRequiredService<Delivery.Rspamd.RspamdClient>();
        Assert.NotNull(client.LastFailure);
    }
}
