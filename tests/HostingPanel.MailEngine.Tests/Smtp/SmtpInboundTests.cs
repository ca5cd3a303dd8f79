using HostingPanel.MailEngine.Admin;
using MailKit.Security;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>Inbound SMTP (the MX role), docs/contract.md section 5, with real clients over sockets.</summary>
public sealed class SmtpInboundTests
{
    [Fact]
    public async Task Ehlo_AnnouncesExtensions_AndNoAuthOnMx()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:SmtpLimits:MaxMessageSize"] = "100000" });
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        Assert.StartsWith("220 mail.test", await c.ReadReplyAsync());
        var ehlo = (await c.CommandAsync("EHLO client.example"))!;
        foreach (var extension in new[] { "PIPELINING", "8BITMIME", "SMTPUTF8", "STARTTLS", "SIZE 100000", "ENHANCEDSTATUSCODES" })
            Assert.Contains(extension, ehlo);
        Assert.DoesNotContain("AUTH", ehlo);
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task Rcpt_UnknownLocalRecipient_550_5_1_1_AndOtherDomain_RelayDenied(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        Assert.StartsWith("250 2.", await c.CommandAsync("MAIL FROM:<someone@example.org>"));
        Assert.StartsWith("550 5.1.1", await c.CommandAsync("RCPT TO:<nobody@example.com>"));
        Assert.StartsWith("554 5.7.1", await c.CommandAsync("RCPT TO:<victim@gmail.example>"));
        Assert.StartsWith("250 2.", await c.CommandAsync("RCPT TO:<adam@example.com>"));
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task Delivery_MailKit_StoresOneCopyInInbox_WithReturnPathAndReceived(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort, SecureSocketOptions.StartTls))
        {
            await client.SendAsync(SmtpTestKit.Message("alice@example.org", "adam@example.com", "over TLS"));
            await client.DisconnectAsync(true);
        }
        var inbox = Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.StartsWith("Return-Path: <alice@example.org>\r\nReceived: from ", inbox);
        Assert.Contains("by mail.test with ESMTPS id ", inbox);
        Assert.Contains("for <adam@example.com>", inbox);
        Assert.Contains("Subject: over TLS", inbox);
    }

    /// <summary>About 20 KB in short lines, so that it travels and is stored as it is (no transfer encoding).</summary>
    private static readonly string DurableBody = string.Join("\r\n", Enumerable.Range(0, 280).Select(i => $"line {i:000} " + new string('d', 60)));

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task Durability_Every250dMessage_IsOnStableStorage_ASecondEngineOnTheSameStorageReadsIt(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("both@example.com", ["adam@example.com", "betty@example.com"]));
        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
        {
            for (var i = 0; i < 5; i++)
                await client.SendAsync(SmtpTestKit.Message("alice@example.org", "both@example.com", $"durable {i}", DurableBody));
            await client.DisconnectAsync(true);
        }
        // Nothing held in the first engine's memory counts: another engine opens the same database and files.
        await using var other = await EngineHost.StartOnAsync(engine.DataDirectory, provider == "PostgreSql" ? engine.PanelConnectionString : null);
        foreach (var account in new[] { adam, betty })
        {
            var inbox = await SmtpTestKit.InboxAsync(other, account);
            Assert.Equal(5, inbox.Count);
            Assert.All(inbox, m => Assert.Contains(DurableBody, m));
            Assert.Equal(Enumerable.Range(0, 5).Select(i => $"Subject: durable {i}"), inbox.Select(m => m.Split("\r\n").Single(l => l.StartsWith("Subject: "))).Order());
        }
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task Alias_FansOut_OneCopyPerMailbox_ThroughDuplicatesNestingAndLoops(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var betty = await engine.CreateMailboxAsync("betty@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("support@example.com", ["adam@example.com", "betty@example.com", "adam@example.com"]));
        await engine.Admin.EnsureAliasAsync(new AliasSpec("team@example.com", ["support@example.com", "betty@example.com", "loop1@example.com"]));
        await engine.Admin.EnsureAliasAsync(new AliasSpec("loop1@example.com", ["loop2@example.com"]));
        await engine.Admin.EnsureAliasAsync(new AliasSpec("loop2@example.com", ["loop1@example.com", "adam@example.com"]));

        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
        {
            await client.SendAsync(SmtpTestKit.Message("alice@example.org", "support@example.com", "to support"));
            // Every route at once: the alias, its nested parent, a loop and the mailbox itself.
            await client.SendAsync(SmtpTestKit.Message("alice@example.org",
                "team@example.com, support@example.com, adam@example.com, loop1@example.com", "everyone"));
            await client.DisconnectAsync(true);
        }

        foreach (var account in new[] { adam, betty })
        {
            var inbox = await SmtpTestKit.InboxAsync(engine, account);
            Assert.Equal(2, inbox.Count);
            Assert.Single(inbox, m => m.Contains("Subject: to support"));
            Assert.Single(inbox, m => m.Contains("Subject: everyone"));
        }
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task CatchAll_TakesUnknownLocalParts_ButNotOtherDomains(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("*@example.com", ["adam@example.com"]));
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        await c.CommandAsync("MAIL FROM:<alice@example.org>");
        Assert.StartsWith("250", await c.CommandAsync("RCPT TO:<whatever@example.com>"));
        Assert.StartsWith("554 5.7.1", await c.CommandAsync("RCPT TO:<whatever@example.net>"));
        Assert.StartsWith("354", await c.CommandAsync("DATA"));
        Assert.StartsWith("250 2.0.0", await c.CommandAsync("Subject: caught\r\n\r\nhi\r\n."));
        Assert.Contains("Subject: caught", Assert.Single(await SmtpTestKit.InboxAsync(engine, adam)));
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task FullMailbox_452_4_2_2_AtRcpt_ForItselfOnly(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var filler = EngineHost.Message("fills it", new string('x', 400));
        var full = await engine.CreateMailboxAsync("full@example.com", quotaBytes: System.Text.Encoding.UTF8.GetByteCount(filler));
        Assert.Equal(Delivery.DeliveryStatus.Delivered, (await engine.DeliverAsync(full, filler)).Status);
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        // Pipelined, as PIPELINING allows: one reply per command, in order.
        await c.WriteAsync("MAIL FROM:<alice@example.org>\r\nRCPT TO:<full@example.com>\r\nRCPT TO:<adam@example.com>\r\nDATA\r\n");
        Assert.StartsWith("250", await c.ReadReplyAsync());
        Assert.StartsWith("452 4.2.2", await c.ReadReplyAsync());
        Assert.StartsWith("250", await c.ReadReplyAsync());
        Assert.StartsWith("354", await c.ReadReplyAsync());
        Assert.StartsWith("250 2.0.0", await c.CommandAsync("Subject: partial\r\n\r\nhi\r\n."));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, full));
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task MessageThatDoesNotFit_552_5_2_2_AtEndOfData_NothingStored(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        var tight = await engine.CreateMailboxAsync("tight@example.com", quotaBytes: 2000);
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        await c.CommandAsync("MAIL FROM:<alice@example.org>");
        Assert.StartsWith("250", await c.CommandAsync("RCPT TO:<tight@example.com>"));
        await c.CommandAsync("DATA");
        Assert.StartsWith("552 5.2.2", await c.CommandAsync("Subject: big\r\n\r\n" + new string('y', 3000) + "\r\n."));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, tight));
        Assert.Equal(0, (await engine.Store.GetQuotaAsync(tight.Id))!.UsedBytes);
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task MixedOutcome_250_OthersGetIt_AndTheSenderGetsADsnForTheFullOne(string provider)
    {
        // The sender is not verified here (no SPF, no DKIM: BackscatterAndAmplificationTests); this test is about the DSN itself.
        await using var engine = await SmtpTestKit.StartEngineAsync(provider, new() { ["Mail:Bounces:RequireVerifiedSender"] = "false" });
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var tight = await engine.CreateMailboxAsync("tight@example.com", quotaBytes: 2000);
        var sender = await engine.CreateMailboxAsync("sender@example.com");
        await using var c = await RawSmtpClient.ConnectAsync(engine.SmtpPort);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO client.example");
        await c.CommandAsync("MAIL FROM:<sender@example.com>");
        Assert.StartsWith("250", await c.CommandAsync("RCPT TO:<tight@example.com>"));
        Assert.StartsWith("250", await c.CommandAsync("RCPT TO:<adam@example.com>"));
        await c.CommandAsync("DATA");
        var reply = await c.CommandAsync("Subject: big\r\n\r\n" + new string('y', 3000) + "\r\n.");
        Assert.StartsWith("250 2.0.0", reply);
        Assert.Contains("<tight@example.com>", reply);
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, tight));
        var dsn = Assert.Single(await SmtpTestKit.InboxAsync(engine, sender));
        Assert.Contains("multipart/report", dsn);
        Assert.Contains("Final-Recipient: rfc822; tight@example.com", dsn);
        Assert.Contains("Status: 5.2.2", dsn);
        Assert.StartsWith("Return-Path: <>", dsn);
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task MixedOutcome_ThroughOneAlias_250_AndTheDsnNamesTheFullMailboxAndTheAlias(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider, new() { ["Mail:Bounces:RequireVerifiedSender"] = "false" });
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var tight = await engine.CreateMailboxAsync("tight@example.com", quotaBytes: 2000);
        var sender = await engine.CreateMailboxAsync("sender@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("support@example.com", ["adam@example.com", "tight@example.com"]));
        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
        {
            await client.SendAsync(SmtpTestKit.Message("sender@example.com", "support@example.com", "big", new string('y', 3000)));
            await client.DisconnectAsync(true);
        }
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, tight));
        var dsn = Assert.Single(await SmtpTestKit.InboxAsync(engine, sender));
        Assert.Contains("Original-Recipient: rfc822; support@example.com", dsn);
        Assert.Contains("Final-Recipient: rfc822; tight@example.com", dsn);
        Assert.Contains("Subject: big", dsn);
    }

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task Forwarding_ToExternal_IsQueued_WithOrWithoutKeepingACopy(string provider)
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await SmtpTestKit.StartEngineAsync(provider, new()
        {
            ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
        });
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("keeps@example.com", EngineHost.Hash(EngineHost.Password), 0, true, true, true, 0,
            ForwardTo: ["far@elsewhere.example"], KeepCopyWhenForwarding: true));
        await engine.Admin.EnsureMailboxAsync(new MailboxSpec("passes@example.com", EngineHost.Hash(EngineHost.Password), 0, true, true, true, 0,
            ForwardTo: ["far@elsewhere.example"], KeepCopyWhenForwarding: false));
        var snapshot = await engine.Admin.GetDirectoryAsync();
        Assert.Equal(["far@elsewhere.example"], snapshot.Mailboxes.Single(m => m.Address == "passes@example.com").ForwardTo);
        Assert.False(snapshot.Mailboxes.Single(m => m.Address == "passes@example.com").KeepCopyWhenForwarding);

        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
        {
            await client.SendAsync(SmtpTestKit.Message("alice@example.org", "keeps@example.com", "kept"));
            await client.SendAsync(SmtpTestKit.Message("alice@example.org", "passes@example.com", "passed"));
            await client.DisconnectAsync(true);
        }
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 2), "both forwards relayed");
        Assert.All(relay.Accepted, a => Assert.Equal(["far@elsewhere.example"], a.To));
        // Forwarded with the sender in SRS form at the forwarding domain (the SRS tests check the round trip).
        Assert.All(relay.Accepted, a => Assert.Matches("^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=example.org=alice@example.com$", a.From));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, (await engine.Directory.FindMailboxAsync("keeps@example.com"))!));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, (await engine.Directory.FindMailboxAsync("passes@example.com"))!));
    }
}
