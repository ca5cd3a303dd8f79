// MailKit annotates most results as nullable; an unexpected null fails the test anyway.
#nullable disable warnings
using System.Text;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using MkFlags = MailKit.MessageFlags;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>The IMAP server over the real store, driven by MailKit's ImapClient over real sockets.</summary>
public sealed class ImapServerMailKitTests
{
    private const string Multipart =
        "From: Jörg <joerg@example.org>\r\nTo: bob@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Köln\r\n" +
        "Date: Fri, 27 Nov 2026 05:00:00 +0000\r\nMessage-ID: <multi@example.org>\r\nX-Project: Wasserstraße\r\n" +
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nLiebe Grüße aus dem Süden.\r\n" +
        "--b1\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgc=\r\n--b1--\r\n";

    [Fact]
    public async Task Rfc9051_LoginAndAuthenticatePlain_ListShowsSpecialUseFolders()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("login@example.com");

        using (var viaLogin = await ImapServerClients.MailKitAsync(engine, "login@example.com", useLogin: true))
        {
            Assert.True(viaLogin.IsAuthenticated);
            Assert.True(viaLogin.Capabilities.HasFlag(ImapCapabilities.SpecialUse));
            Assert.Equal("Sent", viaLogin.GetFolder(SpecialFolder.Sent)!.FullName);
            Assert.Equal("Drafts", viaLogin.GetFolder(SpecialFolder.Drafts)!.FullName);
            Assert.Equal("Trash", viaLogin.GetFolder(SpecialFolder.Trash)!.FullName);
            Assert.Equal("Junk", viaLogin.GetFolder(SpecialFolder.Junk)!.FullName);
            Assert.Equal("Archive", viaLogin.GetFolder(SpecialFolder.Archive)!.FullName);
            var all = await viaLogin.GetFolder(viaLogin.PersonalNamespaces[0]).GetSubfoldersAsync(false);
            Assert.Equal(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], all.Select(f => f.FullName).Order(StringComparer.Ordinal));
            await viaLogin.DisconnectAsync(true);
        }

        using var plain = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await plain.ConnectAsync("127.0.0.1", engine.ImapsPort, SecureSocketOptions.SslOnConnect);
        await plain.AuthenticateAsync(new SaslMechanismPlain("login@example.com", EngineHost.Password));
        Assert.True(plain.IsAuthenticated);
        await plain.DisconnectAsync(true);

        using var wrong = new ImapClient { Timeout = 15_000 };
        await wrong.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => wrong.AuthenticateAsync("login@example.com", "wrong password"));
    }

    [Fact]
    public async Task Rfc9051_StartTls_UpgradesBeforeLogin()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("tls@example.com");
        using var client = new ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("tls@example.com", EngineHost.Password);
        Assert.True(client.IsAuthenticated);
    }

    [Fact]
    public async Task Rfc9051_LoginRefused_WhenMailboxDisabledOrImapOff()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.Admin.EnsureMailboxAsync(new Admin.MailboxSpec("off@example.com", EngineHost.Hash(EngineHost.Password), 0, true, false, true, 0));
        await engine.CreateMailboxAsync("disabled@example.com", enabled: false);
        foreach (var user in new[] { "off@example.com", "disabled@example.com" })
        {
            using var client = new ImapClient { Timeout = 15_000 };
            await client.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(user, EngineHost.Password));
        }
    }

    [Fact]
    public async Task Rfc9051_CreateRenameDelete_SubfoldersWithSlashAndUnicode()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("folders@example.com");
        using var client = await ImapServerClients.MailKitAsync(engine, "folders@example.com");
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        Assert.Equal('/', client.PersonalNamespaces[0].DirectorySeparator);

        var projects = await root.CreateAsync("Projects", true);
        var child = await projects.CreateAsync("Köln 2026", true);
        Assert.Equal("Projects/Köln 2026", child.FullName);
        await child.OpenAsync(FolderAccess.ReadWrite);
        await child.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(EngineHost.Message("in child"))))));
        await child.CloseAsync();

        // Stored in the wire form (modified UTF-7).
        var account = (await engine.Directory.FindMailboxAsync("folders@example.com"))!;
        Assert.NotNull(await engine.Store.GetFolderAsync(account.Id, "Projects/K&APY-ln 2026"));

        // A parent with children is not deleted; INBOX never is.
        await Assert.ThrowsAsync<ImapCommandException>(() => projects.DeleteAsync());
        await using (var wire = await ImapServerClients.WireAsync(engine, "folders@example.com"))
            Assert.StartsWith("d1 NO", (await wire.CommandAsync("d1 DELETE INBOX")).Last());

        await projects.RenameAsync(root, "Archiv Projekte");
        var renamed = await client.GetFolderAsync("Archiv Projekte/Köln 2026");
        var status = await renamed.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(1, renamed.Count);
        await renamed.CloseAsync();

        await renamed.DeleteAsync();
        var names = (await root.GetSubfoldersAsync(false)).Select(f => f.FullName).ToList();
        Assert.Contains("Archiv Projekte", names);
        Assert.DoesNotContain("Projects", names);
        Assert.Empty(await (await client.GetFolderAsync("Archiv Projekte")).GetSubfoldersAsync(false));

        // Subscriptions.
        var sub = await client.GetFolderAsync("Archiv Projekte");
        await sub.UnsubscribeAsync();
        var subscribed = (await root.GetSubfoldersAsync(subscribedOnly: true)).Select(f => f.FullName).ToList();
        Assert.DoesNotContain("Archiv Projekte", subscribed);
        Assert.Contains("INBOX", subscribed);
    }

    [Fact]
    public async Task Rfc9051_Fetch_EnvelopeBodyStructureFromCache_PartialAndPeek()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("fetch@example.com");
        await engine.DeliverAsync(account, Multipart);
        using var client = await ImapServerClients.MailKitAsync(engine, "fetch@example.com");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(1, inbox.Count);

        var summary = Assert.Single(await inbox.FetchAsync(0, -1,
            MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.UniqueId | MessageSummaryItems.Flags
            | MessageSummaryItems.Size | MessageSummaryItems.InternalDate));
        Assert.Equal("Grüße aus Köln", summary.Envelope.Subject);
        Assert.Equal("joerg@example.org", summary.Envelope.From.Mailboxes.Single().Address);
        Assert.Equal("<multi@example.org>", "<" + summary.Envelope.MessageId + ">");
        var multipart = Assert.IsType<BodyPartMultipart>(summary.Body);
        Assert.Equal(2, multipart.BodyParts.Count);
        Assert.Equal("data.bin", summary.Attachments.Single().FileName);
        Assert.Equal((uint)Encoding.UTF8.GetByteCount(Multipart), summary.Size);

        var text = (TextPart)await inbox.GetBodyPartAsync(summary.UniqueId, summary.TextBody!);
        Assert.Contains("Liebe Grüße", text.Text);
        var attachment = (MimePart)await inbox.GetBodyPartAsync(summary.UniqueId, summary.Attachments.Single());
        using (var decoded = new MemoryStream())
        {
            await attachment.Content.DecodeToAsync(decoded);
            Assert.Equal(new byte[] { 0, 1, 2, 3, 4, 5, 6, 7 }, decoded.ToArray());
        }

        // BODY.PEEK[]<0.4> (MailKit always peeks): partial, and \Seen untouched.
        using (var partial = await inbox.GetStreamAsync(summary.UniqueId, 0, 4))
        using (var reader = new StreamReader(partial))
            Assert.Equal("From", await reader.ReadToEndAsync());
        var full = await inbox.GetMessageAsync(summary.UniqueId);
        Assert.Equal("Wasserstraße", full.Headers["X-Project"]);
        Assert.False((await inbox.FetchAsync([summary.UniqueId], MessageSummaryItems.Flags)).Single().Flags!.Value.HasFlag(MkFlags.Seen));

        await client.DisconnectAsync(true);

        // BODY[] (not PEEK) sets \Seen (RFC 9051 6.4.5).
        await using var wire = await ImapServerClients.WireAsync(engine, "fetch@example.com");
        await wire.CommandAsync("s1 SELECT INBOX");
        var fetched = await wire.CommandAsync("f1 FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)] FLAGS)");
        Assert.Contains(fetched, l => l.Contains("\\Seen"));
        Assert.StartsWith("f1 OK", fetched.Last());
    }

    [Fact]
    public async Task Rfc9051_Search_TextBodyAndHeaderInUtf8_SortAndThread()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("search@example.com");
        await engine.DeliverAsync(account, Multipart);
        await engine.DeliverAsync(account, EngineHost.Message("zebra crossing", "Nothing special.\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("Re: zebra crossing", "Answer.\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("apple pie", "Plain ascii body.\r\n"));
        using var client = await ImapServerClients.MailKitAsync(engine, "search@example.com");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);

        Assert.Single(await inbox.SearchAsync(SearchQuery.BodyContains("grüße")));
        Assert.Single(await inbox.SearchAsync(SearchQuery.MessageContains("Süden")));
        Assert.Single(await inbox.SearchAsync(SearchQuery.HeaderContains("X-Project", "Wasserstraße")));
        Assert.Single(await inbox.SearchAsync(SearchQuery.SubjectContains("Köln")));
        Assert.Equal(2, (await inbox.SearchAsync(SearchQuery.SubjectContains("zebra"))).Count);
        Assert.Equal(4, (await inbox.SearchAsync(SearchQuery.NotSeen)).Count);
        Assert.Empty(await inbox.SearchAsync(SearchQuery.BodyContains("does-not-occur")));

        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Sort));
        var sorted = await inbox.SortAsync(SearchQuery.All, [OrderBy.Subject]);
        var subjects = (await inbox.FetchAsync(sorted, MessageSummaryItems.Envelope)).OrderBy(s => sorted.IndexOf(s.UniqueId)).Select(s => s.Envelope.Subject).ToList();
        Assert.Equal("apple pie", subjects[0]);

        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.Thread));
        var threads = await inbox.ThreadAsync(ThreadingAlgorithm.OrderedSubject, SearchQuery.All);
        Assert.Equal(3, threads.Count);
        Assert.Contains(threads, t => t.Children.Count == 1);
        var references = await inbox.ThreadAsync(ThreadingAlgorithm.References, SearchQuery.All);
        Assert.NotEmpty(references);
    }

    [Fact]
    public async Task Rfc9051_StoreCopyMoveExpunge_WithUidPlus()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("ops@example.com");
        for (var i = 1; i <= 4; i++)
            await engine.DeliverAsync(account, EngineHost.Message($"message {i}"));
        using var client = await ImapServerClients.MailKitAsync(engine, "ops@example.com");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = await inbox.SearchAsync(SearchQuery.All);
        Assert.Equal(4, uids.Count);

        await inbox.AddFlagsAsync(uids[0], MkFlags.Flagged | MkFlags.Answered, true);
        await inbox.StoreAsync(uids[0], new StoreFlagsRequest(StoreAction.Add, MkFlags.None) { Keywords = { "$Work" }, Silent = true });
        var flagged = (await inbox.FetchAsync([uids[0]], MessageSummaryItems.Flags)).Single();
        Assert.True(flagged.Flags!.Value.HasFlag(MkFlags.Flagged | MkFlags.Answered));
        Assert.Contains("$Work", flagged.Keywords);

        var archive = client.GetFolder(SpecialFolder.Archive)!;
        var copied = await inbox.CopyToAsync([uids[0], uids[1]], archive);
        Assert.Equal(2, copied.Destination.Count);
        Assert.Equal(uids[0], copied.Source[0]);
        var trash = client.GetFolder(SpecialFolder.Trash)!;
        var moved = await inbox.MoveToAsync([uids[2]], trash);
        Assert.Single(moved.Destination);
        Assert.Equal(3, inbox.Count);

        await inbox.AddFlagsAsync(uids[3], MkFlags.Deleted, true);
        await inbox.ExpungeAsync();
        Assert.Equal(2, inbox.Count);

        await archive.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(2, archive.Count);
        var archived = await archive.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId);
        Assert.Equal(copied.Destination, archived.Select(s => s.UniqueId).ToList());
        Assert.Contains("$Work", archived[0].Keywords);
        Assert.Equal("message 1", archived[0].Envelope.Subject);
        await trash.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal("message 3", (await trash.GetMessageAsync(0)).Subject);

        var usage = (await engine.Store.GetQuotaAsync(account.Id))!;
        Assert.Equal(5, usage.MessageCount);
    }

    [Fact]
    public async Task Rfc3502_Append_WithFlagsAndDate_ReturnsAppendUid()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("append@example.com");
        using var client = await ImapServerClients.MailKitAsync(engine, "append@example.com");
        var drafts = client.GetFolder(SpecialFolder.Drafts)!;
        var date = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(EngineHost.Message("draft"))));
        var uid = await drafts.AppendAsync(new AppendRequest(message, MkFlags.Draft | MkFlags.Seen) { InternalDate = date, Keywords = new HashSet<string> { "$Todo" } });
        Assert.NotNull(uid);

        await drafts.OpenAsync(FolderAccess.ReadOnly);
        var summary = Assert.Single(await drafts.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.UniqueId));
        Assert.Equal(uid, summary.UniqueId);
        Assert.True(summary.Flags!.Value.HasFlag(MkFlags.Draft | MkFlags.Seen));
        Assert.Contains("$Todo", summary.Keywords);
        Assert.Equal(date, summary.InternalDate);
    }

    [Fact]
    public async Task Rfc2177_Idle_ReportsDeliveryWithinOneSecond()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("idle@example.com");
        using var client = await ImapServerClients.MailKitAsync(engine, "idle@example.com");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inbox.CountChanged += (_, _) => arrived.TrySetResult();
        using var done = new CancellationTokenSource();
        var idle = client.IdleAsync(done.Token);
        await Task.Delay(300);

        var sent = System.Diagnostics.Stopwatch.StartNew();
        await engine.DeliverAsync(account, EngineHost.Message("while idling"));
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(sent.Elapsed < TimeSpan.FromSeconds(10), $"IDLE reported after {sent.Elapsed}");
        await done.CancelAsync();
        await idle;
        Assert.Equal(1, inbox.Count);
    }

    [Fact]
    public async Task Rfc9208_QuotaRoot_AndOverQuotaChangesNothing()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("quota@example.com", quotaBytes: 4096);
        var big = EngineHost.Message("big", new string('x', 1500) + "\r\n");
        await engine.DeliverAsync(account, big);
        await engine.DeliverAsync(account, big);
        using var client = await ImapServerClients.MailKitAsync(engine, "quota@example.com");
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);

        var quota = await inbox.GetQuotaAsync();
        Assert.Equal(4u, quota.StorageLimit);
        var used = (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes;
        Assert.Equal((uint)((used + 1023) / 1024), quota.CurrentStorageSize);

        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        await Assert.ThrowsAsync<ImapCommandException>(() => inbox.AppendAsync(new AppendRequest(message)));
        var archive = client.GetFolder(SpecialFolder.Archive)!;
        await Assert.ThrowsAsync<ImapCommandException>(() => inbox.CopyToAsync(new UniqueId(1), archive));

        Assert.Equal(used, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);
        Assert.Equal(2, inbox.Count);
        Assert.Empty(await engine.Store.ListMessagesAsync((await engine.Store.GetFolderAsync(account.Id, "Archive"))!.Id));

        // MOVE stays inside the mailbox: usage does not change, so it is allowed at a full quota.
        await inbox.MoveToAsync(new UniqueId(1), archive);
        Assert.Equal(used, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);

        await using var wire = await ImapServerClients.WireAsync(engine, "quota@example.com");
        var lines = await wire.CommandAsync("A142 GETQUOTAROOT INBOX");
        Assert.Contains(lines, l => l == "* QUOTAROOT INBOX \"\"");
        Assert.Contains(lines, l => l.StartsWith("* QUOTA \"\" (STORAGE ", StringComparison.Ordinal) && l.EndsWith(" 4)", StringComparison.Ordinal));
        var copy = await wire.CommandAsync("c1 SELECT INBOX");
        var refused = await wire.CommandAsync("c2 UID COPY 1:* Archive");
        Assert.StartsWith("c2 NO [OVERQUOTA]", refused.Last());
        await wire.SendAsync("c3 APPEND INBOX {" + Encoding.UTF8.GetByteCount(big) + "+}\r\n" + big + "\r\n");
        Assert.StartsWith("c3 NO [OVERQUOTA]", (await wire.ReadUntilTaggedAsync("c3")).Last());
        Assert.Equal(used, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);
    }

    [Fact]
    public async Task Rfc7162_CondStore_ModSeqGrowsAndUnchangedSinceRefusesStaleStore()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("cond@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await engine.DeliverAsync(account, EngineHost.Message("two"));
        using var client = await ImapServerClients.MailKitAsync(engine, "cond@example.com");
        Assert.True(client.Capabilities.HasFlag(ImapCapabilities.CondStore));
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var before = inbox.HighestModSeq;
        Assert.True(before > 0);
        var summaries = await inbox.FetchAsync(0, -1, MessageSummaryItems.ModSeq | MessageSummaryItems.UniqueId);
        var first = summaries[0];

        await inbox.AddFlagsAsync(first.UniqueId, MkFlags.Seen, true);
        var after = (await inbox.FetchAsync([first.UniqueId], MessageSummaryItems.ModSeq)).Single().ModSeq!.Value;
        Assert.True(after > first.ModSeq!.Value);

        var stale = await inbox.StoreAsync(new List<UniqueId> { first.UniqueId }, new StoreFlagsRequest(StoreAction.Add, MkFlags.Flagged) { UnchangedSince = first.ModSeq.Value });
        Assert.Equal([first.UniqueId], stale);
        var changed = await inbox.FetchAsync(0, -1, before, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        Assert.Equal(first.UniqueId, Assert.Single(changed).UniqueId);
    }
}
