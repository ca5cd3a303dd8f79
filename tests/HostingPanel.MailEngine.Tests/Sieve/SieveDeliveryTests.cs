using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.Smtp;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>Sieve at final delivery, driven through the engine's real SMTP listener with MailKit.</summary>
public sealed class SieveDeliveryTests
{
    private static async Task ActivateAsync(EngineHost engine, MailboxAccount account, string script)
    {
        SieveScript.Compile(script);
        var store = engine.Services.GetRequiredService<SieveScriptStore>();
        Assert.Equal(SieveStoreStatus.Ok, await store.PutAsync(account.Id, "main", script));
        Assert.Equal(SieveStoreStatus.Ok, await store.SetActiveAsync(account.Id, "main"));
    }

    private static async Task SendAsync(EngineHost engine, MimeMessage message)
    {
        using var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    private static async Task<List<StoredMessage>> FolderAsync(EngineHost engine, MailboxAccount account, string name)
    {
        var folder = await engine.Store.GetFolderAsync(account.Id, name);
        return folder is null ? [] : await engine.Store.ListMessagesAsync(folder.Id);
    }

    private static Dictionary<string, string?> Relay(FakeSmtpRelay relay) => new()
    {
        ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
    };

    [Theory, MemberData(nameof(SmtpTestKit.Providers), MemberType = typeof(SmtpTestKit))]
    public async Task Fileinto_WithFlags_StoresInTheFolder_NotInInbox(string provider)
    {
        await using var engine = await SmtpTestKit.StartEngineAsync(provider);
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await engine.CreateMailboxAsync("carol@example.com");
        await engine.Store.CreateFolderAsync(bob.Id, "Lists");
        await ActivateAsync(engine, bob, """
            require ["fileinto", "imap4flags"];
            if header :contains "subject" "[list]" { fileinto :flags ["\\Seen", "listmail"] "Lists"; }
            """);
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com, carol@example.com", "[list] news"));
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "personal"));

        var lists = Assert.Single(await FolderAsync(engine, bob, "Lists"));
        Assert.Equal(MessageFlags.Seen, lists.Flags);
        Assert.Equal(["listmail"], lists.Keywords);
        Assert.Contains("personal", Assert.Single(await SmtpTestKit.InboxAsync(engine, bob)));
        // carol has no script: her copy is in her INBOX as always.
        Assert.Single(await SmtpTestKit.InboxAsync(engine, (await engine.Directory.FindMailboxAsync("carol@example.com"))!));
        Assert.Equal(2, (await engine.Store.GetQuotaAsync(bob.Id))!.MessageCount);
    }

    /// <summary>Issue 23's delivery log: a copy Sieve filed into a folder is logged <c>filed</c> with the folder as people read it.</summary>
    [Fact]
    public async Task Fileinto_IsLoggedAsFiled_WithTheFolder_KeptMailAsDelivered()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:DeliveryLog:FlushInterval"] = "00:00:00.050" });
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await ActivateAsync(engine, bob, """
            require ["fileinto", "mailbox"];
            if header :is "subject" "lists" { fileinto :create "Projekte/Größe"; }
            if header :is "subject" "missing" { fileinto "Nowhere"; }
            """);
        foreach (var subject in new[] { "lists", "missing", "personal" })
        {
            var message = SmtpTestKit.Message("alice@example.org", "bob@example.com", subject);
            message.MessageId = subject + "@example.org";
            await SendAsync(engine, message);
        }

        var log = engine.Services.GetRequiredService<HostingPanel.MailEngine.Delivery.IDeliveryLog>();
        IReadOnlyList<HostingPanel.MailEngine.Delivery.DeliveryLogLine> lines = [];
        await SmtpTestKit.EventuallyAsync(async () =>
        {
            lines = (await log.SearchAsync(new HostingPanel.MailEngine.Delivery.DeliveryLogQuery("bob@example.com", null, null, null, null, 0, 100))).Items;
            return lines.Count(l => l.Outcome is "filed" or "delivered") >= 3;
        }, "three final outcomes for bob", timeoutMs: 30_000);
        var filed = Assert.Single(lines, l => l.Outcome == "filed");
        Assert.Equal("lists@example.org", filed.MessageId?.Trim('<', '>'));
        Assert.Equal("sieve_fileinto", filed.Reason);
        Assert.Equal("Projekte/Größe", filed.Detail);
        // A missing folder without :create keeps the mail in INBOX (RFC 5228 section 4.1): delivered, not filed.
        Assert.Equal(2, lines.Count(l => l.Outcome == "delivered" && l.Detail == "INBOX"));
    }

    [Fact]
    public async Task Fileinto_MissingFolder_IsKeptInInbox_UnlessCreate()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await ActivateAsync(engine, bob, """
            require ["fileinto", "mailbox"];
            if header :is "subject" "a" { fileinto "Nowhere"; }
            if header :is "subject" "b" { fileinto :create "Projekte/Größe"; }
            """);
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "a"));
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "b"));
        Assert.Null(await engine.Store.GetFolderAsync(bob.Id, "Nowhere"));
        Assert.Contains("Subject: a", Assert.Single(await SmtpTestKit.InboxAsync(engine, bob)));
        // The folder exists under its IMAP (modified UTF-7) name.
        Assert.Single(await FolderAsync(engine, bob, "Projekte/Gr&APYA3w-e"));
        Assert.NotNull(await engine.Store.GetFolderAsync(bob.Id, "Projekte"));
    }

    [Fact]
    public async Task Reject_OfTheOnlyRecipient_Is550AtData_AndNothingIsStored()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await ActivateAsync(engine, bob, "require \"reject\"; if address :domain \"from\" \"spammy.example\" { reject \"Go away\r\nplease\"; }");
        using var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort);
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(SmtpTestKit.Message("x@spammy.example", "bob@example.com", "buy")));
        Assert.Equal(550, (int)e.StatusCode);
        Assert.Contains("5.7.1 Go away please", e.Message);
        await client.SendAsync(SmtpTestKit.Message("alice@example.org", "bob@example.com", "fine"));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, bob));
    }

    [Fact]
    public async Task Reject_WithAnotherRecipientAccepted_SendsADsnInstead()
    {
        // Over the MX port from an unverified sender a DSN would be withheld (BackscatterAndAmplificationTests); not the point here.
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Bounces:RequireVerifiedSender"] = "false" });
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var carol = await engine.CreateMailboxAsync("carol@example.com");
        var alice = await engine.CreateMailboxAsync("alice@example.com");
        await ActivateAsync(engine, bob, "require \"ereject\"; ereject \"not from you\";");
        await SendAsync(engine, SmtpTestKit.Message("alice@example.com", "bob@example.com, carol@example.com", "both"));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, bob));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, carol));
        var dsn = Assert.Single(await SmtpTestKit.InboxAsync(engine, alice));
        Assert.Contains("550 5.7.1 not from you", dsn);
    }

    [Fact]
    public async Task Discard_Answers250_AndStoresNothing_ScriptErrors_Keep()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await ActivateAsync(engine, bob, """
            require "fileinto";
            if header :is "subject" "drop" { discard; stop; }
            if header :is "subject" "bad" { fileinto "a"; fileinto "b"; fileinto "c"; fileinto "d"; fileinto "e"; redirect "1@x.example"; redirect "2@x.example"; redirect "3@x.example"; redirect "4@x.example"; redirect "5@x.example"; }
            """);
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "drop"));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, bob));
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "bad"));
        Assert.Contains("Subject: bad", Assert.Single(await SmtpTestKit.InboxAsync(engine, bob)));
    }

    [Fact]
    public async Task StoredScriptThatNoLongerCompiles_KeepsTheMail()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var store = engine.Services.GetRequiredService<SieveScriptStore>();
        // PutAsync does not compile (ManageSieve and the admin API do): a script from an older version could fail.
        await store.PutAsync(bob.Id, "broken", "if nonsense { discard; }");
        await store.SetActiveAsync(bob.Id, "broken");
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "still here"));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, bob));
    }

    [Fact]
    public async Task Redirect_GoesThroughTheQueue_WithTheSenderInSrsForm_AndLocalCopyOnlyWithCopy()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Relay(relay));
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var dave = await engine.CreateMailboxAsync("dave@example.com");
        await ActivateAsync(engine, bob, """
            require "copy";
            if header :is "subject" "away" { redirect "far@elsewhere.example"; }
            if header :is "subject" "both" { redirect :copy "far@elsewhere.example"; redirect "dave@example.com"; }
            """);
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "away"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "redirect relayed");
        var (from, to, data) = relay.Accepted[0];
        // The original sender, rewritten at the redirecting mailbox's domain (SRS), so the next hop's SPF check passes.
        Assert.Matches("^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=example.org=alice@example.com$", from);
        Assert.Equal(["far@elsewhere.example"], to);
        Assert.StartsWith("Delivered-To: bob@example.com\r\n", data);
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, bob));

        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "both"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 2), "second redirect relayed");
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, bob));
        Assert.Contains("Subject: both", Assert.Single(await SmtpTestKit.InboxAsync(engine, dave)));
    }

    [Fact]
    public async Task Redirect_ThatComesBack_IsCut_AndKept()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await ActivateAsync(engine, bob, "redirect \"far@elsewhere.example\";");
        var message = SmtpTestKit.Message("alice@example.org", "bob@example.com", "loop");
        message.Headers.Add("Delivered-To", "bob@example.com");
        await SendAsync(engine, message);
        Assert.Single(await SmtpTestKit.InboxAsync(engine, bob));
    }
}
