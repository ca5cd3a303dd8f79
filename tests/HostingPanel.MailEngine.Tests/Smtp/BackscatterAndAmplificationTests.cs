using System.Text;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.Testing;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Issue 16.10, no amplification and no backscatter. A delivery status notification for mail from the Internet goes
/// only to a sender whose SPF passes for the client that gave it to us, or whose DKIM signature verifies with a d=
/// aligned to the sender's domain; a forged sender gets nothing, and the failure stays in the delivery log. Records
/// are published by Debian's dnsmasq on loopback, the product's resolver (<c>Dns:Servers</c>) points at it. Outside
/// addresses reached through aliases and forwards are capped per message and per tenant per hour.
/// </summary>
public sealed class BackscatterAndAmplificationTests
{
    private static Dictionary<string, string?> Settings(DnsmasqServer dns, FakeSmtpRelay relay, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dns:Servers:0"] = dns.Endpoint,
            ["Mail:Relay:Host"] = "127.0.0.1",
            ["Mail:Relay:Port"] = relay.Port.ToString(),
            ["Mail:Relay:Security"] = "None",
            ["Mail:Queue:RetryDelay"] = "00:00:01",
            ["Mail:Queue:MaxAttempts"] = "1",
        };
        foreach (var (k, v) in more ?? [])
            settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task MixedOutcome_DsnGoesOnlyToASenderWhoseSpfPasses_ForgedAndUnprovenSendersGetNone_AndTheLogSaysSo()
    {
        await using var dns = await DnsmasqServer.StartAsync();
        dns.SetTxt("good.example", "v=spf1 ip4:127.0.0.1 -all");
        dns.SetTxt("forged.example", "v=spf1 ip4:192.0.2.1 -all");
        await dns.PublishAsync();
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(dns, relay));
        await engine.CreateMailboxAsync("full@example.com", quotaBytes: 400);
        await engine.CreateMailboxAsync("ok@example.com");

        // Forged and unproven first: their DSN would be queued before the 250, so none in the queue now means none ever.
        foreach (var sender in new[] { "victim@forged.example", "someone@nospf.example" })
        {
            var reply = await SendMixedAsync(engine, sender);
            Assert.StartsWith("250 2.0.0", reply);
            Assert.Contains("no delivery status notification follows", reply);
        }
        // A success report asked for (RFC 3461 NOTIFY=SUCCESS) is a DSN too: none for the forged sender.
        Assert.StartsWith("250", await SendRawMxAsync(engine, "victim@forged.example", ["ok@example.com NOTIFY=SUCCESS"], "Subject: notify me\r\n\r\nhi\r\n"));
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        Assert.DoesNotContain(await queue.ListAsync(), e => e.Recipients.Any(r => r.Address.EndsWith("forged.example") || r.Address.EndsWith("nospf.example")));

        Assert.Contains("a delivery status notification follows", await SendMixedAsync(engine, "real@good.example"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Any(m => m.To.Contains("real@good.example"))), "DSN to the SPF-verified sender", 60_000);
        var dsn = Relayed(relay).Single(m => m.To.Contains("real@good.example"));
        Assert.Equal("", dsn.From);
        Assert.Contains("multipart/report", dsn.Data);
        Assert.DoesNotContain(Relayed(relay), m => m.To.Any(t => t.EndsWith("forged.example") || t.EndsWith("nospf.example")));

        // The mailbox's tenant sees why: the failure and that no DSN went out.
        var lines = await LogAsync(engine, "victim@forged.example");
        var line = Assert.Single(lines, l => l.Recipient == "full@example.com" && l.Outcome == "bounced");
        Assert.Contains("no delivery status notification to <victim@forged.example>: SPF fail for 127.0.0.1", line.Detail);
        Assert.Contains("SPF none", Assert.Single(await LogAsync(engine, "someone@nospf.example"), l => l.Outcome == "bounced").Detail);
    }

    [Fact]
    public async Task MixedOutcome_DsnGoesToASenderWithAnAlignedDkimSignature_NotToOneSignedByAnotherDomain()
    {
        await using var dns = await DnsmasqServer.StartAsync();
        var key = RsaKey();
        dns.SetTxt("sel._domainkey.signed.example", "v=DKIM1; k=rsa; p=" + PublicKey(key));
        dns.SetTxt("sel._domainkey.other.example", "v=DKIM1; k=rsa; p=" + PublicKey(key));
        await dns.PublishAsync();
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(dns, relay));
        await engine.CreateMailboxAsync("full@example.com", quotaBytes: 400);
        await engine.CreateMailboxAsync("ok@example.com");

        // Signed by other.example for a sender at victim.example: valid, but not aligned.
        Assert.Contains("no delivery status notification follows", await SendSignedMixedAsync(engine, "someone@victim.example", "other.example", key));
        Assert.Contains("a delivery status notification follows", await SendSignedMixedAsync(engine, "news@mail.signed.example", "signed.example", key));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Any(m => m.To.Contains("news@mail.signed.example"))), "DSN to the DKIM-aligned sender", 60_000);
        Assert.DoesNotContain(Relayed(relay), m => m.To.Contains("someone@victim.example"));
        Assert.Contains("no valid DKIM signature aligned with victim.example",
            Assert.Single(await LogAsync(engine, "someone@victim.example"), l => l.Outcome == "bounced").Detail);
    }

    [Fact]
    public async Task ForwardRefusedByTheNextHop_BouncesToAVerifiedSenderOnly()
    {
        await using var dns = await DnsmasqServer.StartAsync();
        dns.SetTxt("good.example", "v=spf1 ip4:127.0.0.1 -all");
        dns.SetTxt("forged.example", "v=spf1 ip4:192.0.2.1 -all");
        await dns.PublishAsync();
        await using var relay = new FakeSmtpRelay { RcptReply = r => r == "gone@far.example" ? "550 5.1.1 no such user" : null };
        await using var engine = await EngineHost.StartAsync(Settings(dns, relay));
        await engine.Admin.EnsureDomainAsync("example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("fwd@example.com", ["gone@far.example"]));

        await SendMxAsync(engine, "victim@forged.example", "fwd@example.com", "forged forward");
        await SendMxAsync(engine, "real@good.example", "fwd@example.com", "real forward");
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Any(m => m.To.Contains("real@good.example"))), "DSN of the refused forward to the verified sender", 60_000);
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Count == 0, "both forwards given up", 60_000);
        Assert.DoesNotContain(Relayed(relay), m => m.To.Contains("victim@forged.example"));
        // The withheld report is shown to the forwarding address's owner (its recipient), with the sender the Internet gave, not its SRS form.
        var withheld = Assert.Single(await LogAsync(engine, "fwd@example.com"), l => l.Reason == "dsn_suppressed");
        Assert.Equal("victim@forged.example", withheld.Sender);
        Assert.Contains("forwarded to <gone@far.example>: ", withheld.Detail);
        Assert.Contains("550 5.1.1", withheld.Detail);
        Assert.Contains("no delivery status notification to <victim@forged.example>: SPF fail", withheld.Detail);
        Assert.DoesNotContain(await LogAsync(engine, "fwd@example.com"), l => l.Reason == "dsn_suppressed" && l.Sender == "real@good.example");
    }

    /// <summary>
    /// Issue 16.10's gap: a Sieve redirect of mail from the Internet kept no origin, so its failure bounced to any sender.
    /// Now it is checked like an alias's forward, and a withheld report is shown to the redirecting mailbox's owner.
    /// </summary>
    [Fact]
    public async Task SieveRedirectRefusedByTheNextHop_BouncesToAVerifiedSenderOnly_TheOwnerSeesTheRest()
    {
        await using var dns = await DnsmasqServer.StartAsync();
        dns.SetTxt("good.example", "v=spf1 ip4:127.0.0.1 -all");
        dns.SetTxt("forged.example", "v=spf1 ip4:192.0.2.1 -all");
        await dns.PublishAsync();
        await using var relay = new FakeSmtpRelay { RcptReply = r => r == "gone@far.example" ? "550 5.1.1 no such user" : null };
        await using var engine = await EngineHost.StartAsync(Settings(dns, relay));
        var owner = await engine.CreateMailboxAsync("sifter@example.com");
        var scripts = engine.Services.GetRequiredService<HostingPanel.MailEngine.Sieve.SieveScriptStore>();
        Assert.Equal(HostingPanel.MailEngine.Sieve.SieveStoreStatus.Ok, await scripts.PutAsync(owner.Id, "main", "redirect \"gone@far.example\";"));
        Assert.Equal(HostingPanel.MailEngine.Sieve.SieveStoreStatus.Ok, await scripts.SetActiveAsync(owner.Id, "main"));

        Assert.StartsWith("250", await SendMxAsync(engine, "victim@forged.example", "sifter@example.com", "forged redirect"));
        Assert.StartsWith("250", await SendMxAsync(engine, "real@good.example", "sifter@example.com", "real redirect"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Any(m => m.To.Contains("real@good.example"))), "DSN of the refused redirect to the verified sender", 60_000);
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Count == 0, "both redirects given up", 60_000);
        Assert.DoesNotContain(Relayed(relay), m => m.To.Contains("victim@forged.example"));
        var withheld = Assert.Single(await LogAsync(engine, "sifter@example.com"), l => l.Reason == "dsn_suppressed");
        Assert.Equal("victim@forged.example", withheld.Sender);
        Assert.Contains("forwarded to <gone@far.example>", withheld.Detail);
    }

    [Fact]
    public async Task AliasExpandingToMoreOutsideAddressesThanTheCap_IsRefused_AndTheTenantsHourlyRateDefers()
    {
        await using var dns = await DnsmasqServer.StartAsync();
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(dns, relay, new()
        {
            ["Mail:SmtpLimits:MaxExpandedExternalRecipients"] = "10",
            ["Mail:SmtpLimits:ExpandedExternalPerTenantPerHour"] = "8",
        }));
        await engine.Admin.EnsureDomainAsync("example.com");
        var ok = await engine.CreateMailboxAsync("ok@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("cannon@example.com", Enumerable.Range(1, 11).Select(i => $"t{i}@far.example").ToList()));
        await engine.Admin.EnsureAliasAsync(new AliasSpec("team@example.com", ["ok@example.com", "a@far.example", "b@far.example", "c@far.example"]));

        var refused = await SendMxAsync(engine, "someone@elsewhere.example", "cannon@example.com", "eleven");
        Assert.StartsWith("550 5.5.3", refused);
        Assert.Contains("11 outside addresses; at most 10 per message", refused);
        // 3 + 3 = 6 within the tenant's 8 an hour; the third message (9) waits, and nothing of it is stored.
        Assert.StartsWith("250", await SendMxAsync(engine, "someone@elsewhere.example", "team@example.com", "one"));
        Assert.StartsWith("250", await SendMxAsync(engine, "someone@elsewhere.example", "team@example.com", "two"));
        Assert.StartsWith("451 4.7.1", await SendMxAsync(engine, "someone@elsewhere.example", "team@example.com", "three"));
        Assert.Equal(2, (await SmtpTestKit.InboxAsync(engine, ok)).Count);
        // Outside recipients an authenticated user addresses directly are not expansion: not counted, not refused.
        using (var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "ok@example.com"))
            await client.SendAsync(SmtpTestKit.Message("ok@example.com", "x1@far.example, x2@far.example, x3@far.example", "direct"));
        Assert.DoesNotContain(await LogAsync(engine, "t1@far.example"), l => l.Outcome is "forwarded" or "relayed");
        Assert.Contains(await LogAsync(engine, "cannon@example.com"), l => l.Reason == "too_many_expanded_external");
    }

    /// <summary>
    /// Sieve redirects share the tenant's hourly budget of outside addresses with its aliases and forwards (until now a
    /// residual risk: a script could multiply the mail reaching it by four). Past it, the redirect is not sent, the
    /// message stays in the mailbox, and the delivery log says why.
    /// </summary>
    [Fact]
    public async Task SieveRedirects_CountInTheTenantsHourlyLimit_WithItsAliases_PastItTheMessageIsKept_AndLogged()
    {
        await using var dns = await DnsmasqServer.StartAsync();
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Settings(dns, relay, new()
        {
            ["Mail:SmtpLimits:ExpandedExternalPerTenantPerHour"] = "4",
        }));
        await engine.Admin.EnsureDomainAsync("example.com");
        var sifter = await engine.CreateMailboxAsync("sifter@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("one@example.com", ["z@far.example"]));
        var scripts = engine.Services.GetRequiredService<HostingPanel.MailEngine.Sieve.SieveScriptStore>();
        Assert.Equal(HostingPanel.MailEngine.Sieve.SieveStoreStatus.Ok, await scripts.PutAsync(sifter.Id, "main",
            "redirect \"a@far.example\"; redirect \"b@far.example\"; redirect \"c@far.example\";"));
        Assert.Equal(HostingPanel.MailEngine.Sieve.SieveStoreStatus.Ok, await scripts.SetActiveAsync(sifter.Id, "main"));

        // 3 redirects, then 1 through the alias: 4 of the tenant's 4.
        Assert.StartsWith("250", await SendMxAsync(engine, "someone@elsewhere.example", "sifter@example.com", "first"));
        Assert.StartsWith("250", await SendMxAsync(engine, "someone@elsewhere.example", "one@example.com", "alias"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Count(m => m.To.Contains("a@far.example")) == 1 && Relayed(relay).Any(m => m.To.Contains("z@far.example"))),
            "the first redirects and the alias's copy relayed", 60_000);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, sifter));

        // The script's next 3 would pass the hour: nothing leaves, the message is kept, the log says why.
        Assert.StartsWith("250", await SendMxAsync(engine, "someone@elsewhere.example", "sifter@example.com", "second"));
        var kept = Assert.Single(await SmtpTestKit.InboxAsync(engine, sifter));
        Assert.Contains("Subject: second", kept);
        var held = (await LogAsync(engine, "b@far.example")).Where(l => l.Reason == "expansion_rate").ToList();
        Assert.Single(held);
        Assert.Contains("Sieve redirect by <sifter@example.com> not sent", held[0].Detail);
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Count == 0, "the queue drained", 60_000);
        Assert.Equal(1, Relayed(relay).Count(m => m.To.Contains("a@far.example")));
    }

    [Fact]
    public void HourlyWindow_ForgetsCountsOlderThanAnHour()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-07T10:00:00Z"));
        var limiter = new ExternalExpansionLimiter(Microsoft.Extensions.Options.Options.Create(new Sessions.Smtp.SmtpLimitsOptions { ExpandedExternalPerTenantPerHour = 5 }), clock);
        Assert.True(limiter.TryTake("owner:a", 5));
        Assert.False(limiter.TryTake("owner:a", 1));
        Assert.True(limiter.TryTake("owner:b", 5)); // another tenant has its own hour
        clock.Now = clock.Now.AddMinutes(59);
        Assert.False(limiter.TryTake("owner:a", 1));
        clock.Now = clock.Now.AddMinutes(1);
        Assert.True(limiter.TryTake("owner:a", 5));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static List<(string From, List<string> To, string Data)> Relayed(FakeSmtpRelay relay)
    {
        lock (relay.Accepted)
            return relay.Accepted.ToList();
    }

    private static async Task<IReadOnlyList<DeliveryLogLine>> LogAsync(EngineHost engine, string address)
    {
        await engine.Services.GetRequiredService<DeliveryLogWriter>().FlushAsync();
        return (await engine.Services.GetRequiredService<IDeliveryLog>().SearchAsync(new DeliveryLogQuery(address, null, null, null, null, 0, 100))).Items;
    }

    /// <summary>From the Internet to a full mailbox and a fine one: one copy stored, one failed, so a DSN is due.</summary>
    private static Task<string?> SendMixedAsync(EngineHost engine, string sender) =>
        SendRawMxAsync(engine, sender, ["full@example.com", "ok@example.com"], $"From: <{sender}>\r\nSubject: mixed\r\n\r\n{new string('m', 2000)}\r\n");

    private static async Task<string?> SendSignedMixedAsync(EngineHost engine, string sender, string signingDomain, AsymmetricCipherKeyPair key)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(sender));
        message.To.Add(MailboxAddress.Parse("full@example.com"));
        message.Subject = "signed";
        message.Date = DateTimeOffset.UtcNow;
        message.MessageId = "signed-" + Guid.NewGuid().ToString("N") + "@" + signingDomain;
        message.Body = new TextPart("plain") { Text = new string('s', 2000) };
        var signer = new DkimSigner(key.Private, signingDomain, "sel")
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        using var bytes = new MemoryStream();
        message.WriteTo(FormatOptions.Default.Clone(), bytes);
        return await SendRawMxAsync(engine, sender, ["full@example.com", "ok@example.com"], Encoding.ASCII.GetString(bytes.ToArray()));
    }

    private static Task<string?> SendMxAsync(EngineHost engine, string sender, string recipient, string subject) =>
        SendRawMxAsync(engine, sender, [recipient], $"From: <{sender}>\r\nSubject: {subject}\r\n\r\nhello\r\n");

    private static async Task<string?> SendRawMxAsync(EngineHost engine, string sender, string[] recipients, string data)
    {
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        Assert.StartsWith("250", await c.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await c.CommandAsync($"MAIL FROM:<{sender}>"));
        foreach (var r in recipients)
        {
            // "address PARAMETERS" gives the RCPT its ESMTP parameters.
            var (address, parameters) = r.Contains(' ') ? (r[..r.IndexOf(' ')], r[r.IndexOf(' ')..]) : (r, "");
            Assert.StartsWith("250", await c.CommandAsync($"RCPT TO:<{address}>{parameters}"));
        }
        Assert.StartsWith("354", await c.CommandAsync("DATA"));
        var stuffed = string.Join("\r\n", data.TrimEnd('\r', '\n').Split("\r\n").Select(l => l.StartsWith('.') ? "." + l : l));
        return await c.CommandAsync(stuffed + "\r\n.");
    }

    private static AsymmetricCipherKeyPair RsaKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        return generator.GenerateKeyPair();
    }

    private static string PublicKey(AsymmetricCipherKeyPair key) =>
        Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key.Public).GetDerEncoded());
}
