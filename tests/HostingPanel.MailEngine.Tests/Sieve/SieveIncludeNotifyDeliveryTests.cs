using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>include (RFC 6609) and enotify (RFC 5435/5436) at final delivery, through the engine's real SMTP listener.</summary>
public sealed class SieveIncludeNotifyDeliveryTests
{
    private static async Task PutAsync(EngineHost engine, MailboxAccount account, string name, string script, bool activate = false)
    {
        var store = engine.Services.GetRequiredService<SieveScriptStore>();
        Assert.Equal(SieveStoreStatus.Ok, await store.PutAsync(account.Id, name, script));
        if (activate)
            Assert.Equal(SieveStoreStatus.Ok, await store.SetActiveAsync(account.Id, name));
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

    private static List<(string From, List<string> To, string Data)> Relayed(FakeSmtpRelay relay)
    {
        lock (relay.Accepted)
            return relay.Accepted.ToList();
    }

    private static Dictionary<string, string?> Relay(FakeSmtpRelay relay, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
        };
        foreach (var (k, v) in more ?? [])
            settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task Include_PersonalAndGlobalScripts_RunAtDelivery_AMissingOneKeepsTheMail()
    {
        var global = Path.Combine(Path.GetTempPath(), "hp-sieve-global-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(global);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(global, "site-spam.sieve"), """
                require ["fileinto", "include", "variables"];
                global "verdict";
                if header :contains "subject" "lottery" { set "verdict" "spam"; fileinto "Junk"; }
                """);
            await using var engine = await EngineHost.StartAsync(new() { ["Mail:Sieve:GlobalDirectory"] = global });
            var bob = await engine.CreateMailboxAsync("bob@example.com");
            await engine.Store.CreateFolderAsync(bob.Id, "Invoices");
            // A personal script that is not active: include reaches it anyway (same account, RFC 6609 :personal).
            await PutAsync(engine, bob, "invoices", "require \"fileinto\"; if header :contains \"subject\" \"invoice\" { fileinto \"Invoices\"; }");
            await PutAsync(engine, bob, "main", """
                require ["include", "variables", "imap4flags"];
                global "verdict";
                include :global "site-spam";
                if string :is "${verdict}" "spam" { stop; }
                include :once "invoices";
                include :optional "not-yet-written";
                """, activate: true);

            await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "You won the lottery"));
            await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "Invoice 42"));
            await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "Lunch?"));
            await using (var junk = engine.Store.OpenBody(Assert.Single(await FolderAsync(engine, bob, "Junk"))))
                Assert.Contains("lottery", await new StreamReader(junk).ReadToEndAsync());
            Assert.Single(await FolderAsync(engine, bob, "Invoices"));
            Assert.Contains("Lunch?", Assert.Single(await SmtpTestKit.InboxAsync(engine, bob)));

            // The included script is deleted: the include is now missing, a runtime error, and mail is kept in INBOX.
            Assert.Equal(SieveStoreStatus.Ok, await engine.Services.GetRequiredService<SieveScriptStore>().DeleteAsync(bob.Id, "invoices"));
            await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "Invoice 43"));
            Assert.Single(await FolderAsync(engine, bob, "Invoices"));
            Assert.Contains(await SmtpTestKit.InboxAsync(engine, bob), m => m.Contains("Invoice 43"));
        }
        finally
        {
            System.IO.Directory.Delete(global, true);
        }
    }

    /// <summary>
    /// RFC 5436: the notification leaves through the outbound queue from the null reverse-path with Auto-Submitted:
    /// auto-notified, the message itself is kept; a :from the mailbox does not own is replaced by its own address (no
    /// spoofing), one it owns through an alias is used; an auto-submitted message triggers nothing; a local target gets
    /// the notification in its INBOX.
    /// </summary>
    [Fact]
    public async Task Notify_LeavesThroughTheQueue_AutoNotified_FromOnlyTheUsersOwnAddresses_NeverForAutoSubmittedMail()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Relay(relay));
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var carol = await engine.CreateMailboxAsync("carol@example.com");
        await engine.Admin.EnsureAliasAsync(new AliasSpec("sales@example.com", ["bob@example.com"]));
        await PutAsync(engine, bob, "main", """
            require ["enotify", "variables"];
            if header :matches "subject" "*" { set "s" "${1}"; }
            if string :contains "${s}" "alias" {
                notify :from "sales@example.com" :importance "1" :message "Alias: ${s}" "mailto:phone@elsewhere.example";
            } else {
                notify :from "ceo@bank.example" :message "Spoof: ${s}" "mailto:phone@elsewhere.example?cc=carol@example.com";
            }
            """, activate: true);

        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "first"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Count == 1), "notification relayed", 60_000);
        var (from, to, data) = Relayed(relay)[0];
        Assert.Equal("", from);
        Assert.Equal(["phone@elsewhere.example"], to);
        var note = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(data)));
        Assert.Equal("auto-notified", note.Headers["Auto-Submitted"]);
        Assert.Equal("bob@example.com", note.From.Mailboxes.Single().Address);
        Assert.Equal("Spoof: first", note.Subject);
        Assert.Contains("Subject: first", Assert.Single(await SmtpTestKit.InboxAsync(engine, bob)));
        // The local Cc got it in her INBOX, marked as automatic, without running any script of hers.
        Assert.Contains("Auto-Submitted: auto-notified", Assert.Single(await SmtpTestKit.InboxAsync(engine, carol)));

        var auto = SmtpTestKit.Message("alice@example.org", "bob@example.com", "robot");
        auto.Headers.Add("Auto-Submitted", "auto-generated");
        await SendAsync(engine, auto);
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "via alias"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Count >= 2), "second notification relayed", 60_000);
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Count == 0, "the queue drained", 60_000);
        var relayed = Relayed(relay);
        Assert.Equal(2, relayed.Count);
        Assert.DoesNotContain(relayed, m => m.Data.Contains("robot"));
        var second = MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(relayed[1].Data)));
        Assert.Equal("sales@example.com", second.From.Mailboxes.Single().Address);
        Assert.Equal("Alias: via alias", second.Subject);
        Assert.Equal("1 (Highest)", second.Headers["X-Priority"]);
        Assert.Equal(3, (await SmtpTestKit.InboxAsync(engine, bob)).Count);
    }

    /// <summary>Attacker: notifications count in the tenant's hourly limit with redirects and aliases; past it none leave, and the log says why.</summary>
    [Fact]
    public async Task Notifications_CountInTheTenantsHourlyLimit_PastItNoneLeave_AndTheLogSaysWhy()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(Relay(relay, new() { ["Mail:SmtpLimits:ExpandedExternalPerTenantPerHour"] = "3" }));
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await PutAsync(engine, bob, "main", "require \"enotify\"; notify \"mailto:a@far.example,b@far.example\";", activate: true);

        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "one"));
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(Relayed(relay).Count == 1), "first notification relayed", 60_000);
        // Two more would make four of three: nothing leaves; the message itself is delivered as always.
        await SendAsync(engine, SmtpTestKit.Message("alice@example.org", "bob@example.com", "two"));
        Assert.Equal(2, (await SmtpTestKit.InboxAsync(engine, bob)).Count);
        await engine.Services.GetRequiredService<DeliveryLogWriter>().FlushAsync();
        var log = (await engine.Services.GetRequiredService<IDeliveryLog>().SearchAsync(new DeliveryLogQuery("b@far.example", null, null, null, null, 0, 100))).Items;
        var held = Assert.Single(log, l => l.Reason == "expansion_rate");
        Assert.Contains("Sieve notification by <bob@example.com> not sent", held.Detail);
        var queue = engine.Services.GetRequiredService<IOutboundQueueAdmin>();
        await SmtpTestKit.EventuallyAsync(async () => (await queue.ListAsync()).Count == 0, "the queue drained", 60_000);
        Assert.Single(Relayed(relay));
    }
}
