using System.Text;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Storage;
using Xunit;

namespace HostingPanel.MailEngine.Tests;

/// <summary>The store's rules, run on SQLite here and on PostgreSQL by <see cref="PostgresStoreTests"/>.</summary>
public abstract class StoreRules
{
    protected abstract Task<EngineHost> StartAsync();

    [Fact]
    public async Task Quota_TwentyFourConcurrentWritersIntoRoomForTwo_StoreExactlyTwo()
    {
        await using var engine = await StartAsync();
        var message = Encoding.ASCII.GetBytes(EngineHost.Message("same size", new string('x', 1000) + "\r\n"));
        var size = message.Length;
        var account = await engine.CreateMailboxAsync("full@example.com", quotaBytes: size * 2 + size / 2);
        var inbox = await engine.InboxAsync(account);

        // Half deliver over "SMTP", half append over "IMAP": the same reservation serves both.
        var tasks = Enumerable.Range(0, 24).Select(i => i % 2 == 0
            ? engine.Delivery.DeliverAsync(new MemoryStream(message), [account.Id]).ContinueWith(t => t.Result[0].Status == DeliveryStatus.Delivered)
            : engine.Store.AppendAsync(account.Id, inbox.Id, new MemoryStream(message)).ContinueWith(t => t.Result.Status == StoreStatus.Ok));
        var outcomes = await Task.WhenAll(tasks);

        Assert.Equal(2, outcomes.Count(ok => ok));
        var quota = await engine.Store.GetQuotaAsync(account.Id);
        Assert.Equal(2 * size, quota!.UsedBytes);
        Assert.Equal(2, quota.MessageCount);
        Assert.Equal(2, (await engine.Store.ListMessagesAsync(inbox.Id)).Count);
    }

    [Fact]
    public async Task ConcurrentAppendsDeliveriesFlagChangesAndExpunges_OnOneFolder_AllSucceed_AndUsageIsExact()
    {
        // On PostgreSQL, APPEND and delivery once locked the mailbox row before the folder row and EXPUNGE the
        // other way round: under this load PostgreSQL broke the cycle by failing one of them (NO [SERVERBUG]).
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("busy@example.com", quotaBytes: 100L * 1024 * 1024);
        var inbox = await engine.InboxAsync(account);
        var message = Encoding.ASCII.GetBytes(EngineHost.Message("busy", new string('y', 500) + "\r\n"));

        var writers = Enumerable.Range(0, 8).Select(async w =>
        {
            for (var i = 0; i < 6; i++)
            {
                var appended = w % 2 == 0
                    ? await engine.Store.AppendAsync(account.Id, inbox.Id, new MemoryStream(message))
                    : (await engine.Store.DeliverAsync(await engine.Store.Bodies.WriteAsync(new MemoryStream(message), 0, default), [account.Id], DateTimeOffset.UtcNow))[0];
                Assert.Equal(StoreStatus.Ok, appended.Status);
                await engine.Store.StoreFlagsAsync(inbox.Id, [appended.Uid], FlagChange.Add, MessageFlags.Deleted);
                // Every writer expunges every \Deleted message of the folder, so expunges race for the same rows.
                await engine.Store.ExpungeAsync(inbox.Id);
            }
        });
        await Task.WhenAll(writers);

        var left = await engine.Store.ListMessagesAsync(inbox.Id);
        var quota = await engine.Store.GetQuotaAsync(account.Id);
        Assert.Empty(left);
        Assert.Equal(0, quota!.UsedBytes);
        Assert.Equal(0, quota.MessageCount);
    }

    [Fact]
    public async Task Status_CountsKeptAtWriteTime_MatchTheRows_AfterAppendsFlagChangesCopiesMovesAndExpunges()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("status@example.com");
        var inbox = await engine.InboxAsync(account);
        var archive = (await engine.Store.GetFolderAsync(account.Id, "Archive"))!;
        var uids = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            var flags = i % 3 == 0 ? MessageFlags.Seen : i % 3 == 1 ? MessageFlags.Deleted : MessageFlags.None;
            uids.Add((await engine.Store.AppendAsync(account.Id, inbox.Id, new MemoryStream(Encoding.ASCII.GetBytes(EngineHost.Message("s" + i))), flags)).Uid);
        }
        await engine.Store.StoreFlagsAsync(inbox.Id, [uids[1], uids[2]], FlagChange.Add, MessageFlags.Seen);
        await engine.Store.StoreFlagsAsync(inbox.Id, [uids[0]], FlagChange.Replace, MessageFlags.Deleted | MessageFlags.Flagged);
        await engine.Store.StoreFlagsAsync(inbox.Id, [uids[3]], FlagChange.Add, MessageFlags.Flagged);
        await engine.Store.CopyAsync(account.Id, inbox.Id, [uids[2], uids[5]], archive.Id);
        await engine.Store.CopyAsync(account.Id, inbox.Id, [uids[4]], archive.Id, move: true);
        await engine.Store.ExpungeAsync(inbox.Id, [uids[1]]);

        foreach (var folder in new[] { inbox, archive })
        {
            var rows = await engine.Store.ListMessagesAsync(folder.Id);
            var status = (await engine.Store.GetFolderStatusAsync(folder.Id))!;
            Assert.Equal(rows.Count, status.Messages);
            Assert.Equal(rows.Count(m => !m.Flags.HasFlag(MessageFlags.Seen)), status.Unseen);
            Assert.Equal(rows.Count(m => m.Flags.HasFlag(MessageFlags.Deleted)), status.Deleted);
            Assert.Equal(rows.Sum(m => m.Size), status.Size);
        }
    }

    [Fact]
    public async Task ChangesSince_ListsChangedRowsAndExpungedUids_InOneConsistentRead()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("since@example.com");
        var inbox = await engine.InboxAsync(account);
        var uids = new List<long>();
        for (var i = 0; i < 3; i++)
            uids.Add((await engine.DeliverAsync(account, EngineHost.Message("m" + i))).Uid);
        var before = (await engine.Store.GetFolderByIdAsync(inbox.Id))!.HighestModSeq;

        await engine.Store.StoreFlagsAsync(inbox.Id, [uids[0]], FlagChange.Add, MessageFlags.Seen);
        await engine.Store.StoreFlagsAsync(inbox.Id, [uids[1]], FlagChange.Add, MessageFlags.Deleted);
        await engine.Store.ExpungeAsync(inbox.Id);

        var (changed, expunged) = await engine.Store.ListChangesSinceAsync(inbox.Id, before);
        Assert.Equal([uids[0]], changed.Select(m => m.Uid));
        Assert.Equal(MessageFlags.Seen, changed[0].Flags);
        Assert.Equal([uids[1]], expunged);
    }

    [Fact]
    public async Task Quota_EachCopyIsChargedInFull_AndExpungeGivesItBack()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("copy@example.com");
        var inbox = await engine.InboxAsync(account);
        var archive = (await engine.Store.GetFolderAsync(account.Id, "Archive"))!;
        var delivered = await engine.DeliverAsync(account, EngineHost.Message("one"));
        var size = (await engine.Store.ListMessagesAsync(inbox.Id))[0].Size;

        var copy = await engine.Store.CopyAsync(account.Id, inbox.Id, [delivered.Uid], archive.Id);
        Assert.Equal(StoreStatus.Ok, copy.Status);
        Assert.Equal(archive.UidValidity, copy.DestinationUidValidity);
        Assert.Equal(2 * size, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);

        await engine.Store.StoreFlagsAsync(inbox.Id, [delivered.Uid], FlagChange.Add, MessageFlags.Deleted);
        var expunged = await engine.Store.ExpungeAsync(inbox.Id);
        Assert.Equal([delivered.Uid], expunged);
        Assert.Equal(size, (await engine.Store.GetQuotaAsync(account.Id))!.UsedBytes);

        // The copy still reads: the shared body file stays while a row references it.
        var remaining = (await engine.Store.ListMessagesAsync(archive.Id))[0];
        await using var body = engine.Store.OpenBody(remaining);
        Assert.Contains("Subject: one", await new StreamReader(body).ReadToEndAsync());
    }

    [Fact]
    public async Task Copy_ThatWouldExceedQuota_FailsWhole()
    {
        await using var engine = await StartAsync();
        var message = EngineHost.Message("big", new string('y', 2000) + "\r\n");
        var account = await engine.CreateMailboxAsync("tight@example.com", quotaBytes: message.Length + 100);
        var inbox = await engine.InboxAsync(account);
        var delivered = await engine.DeliverAsync(account, message);
        // Not Trash: a copy into Trash may overdraw a full mailbox (how mail programs delete; see FullMailboxTests).
        var trash = (await engine.Store.GetFolderAsync(account.Id, "Archive"))!;

        var copy = await engine.Store.CopyAsync(account.Id, inbox.Id, [delivered.Uid], trash.Id);
        Assert.Equal(StoreStatus.OverQuota, copy.Status);
        Assert.Empty(await engine.Store.ListMessagesAsync(trash.Id));

        // A move stays inside the mailbox: it needs no extra room.
        var move = await engine.Store.CopyAsync(account.Id, inbox.Id, [delivered.Uid], trash.Id, move: true);
        Assert.Equal(StoreStatus.Ok, move.Status);
        Assert.Empty(await engine.Store.ListMessagesAsync(inbox.Id));
        Assert.Single(await engine.Store.ListMessagesAsync(trash.Id));
    }

    [Fact]
    public async Task NewMailbox_HasDefaultFoldersWithSpecialUse()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("folders@example.com");
        var folders = await engine.Store.ListFoldersAsync(account.Id);
        Assert.Equal(
            ["Archive:\\Archive", "Drafts:\\Drafts", "INBOX:", "Junk:\\Junk", "Sent:\\Sent", "Trash:\\Trash"],
            folders.Select(f => $"{f.Name}:{f.SpecialUse}").Order(StringComparer.Ordinal));
        Assert.Equal(folders.Count, folders.Select(f => f.UidValidity).Distinct().Count());
    }

    [Fact]
    public async Task Folders_CreateRenameDelete_KeepUidValidityOnRename_AndNewOneOnRecreate()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("tree@example.com");
        Assert.Equal(StoreStatus.Ok, await engine.Store.CreateFolderAsync(account.Id, "Projects/2026/Q4"));
        Assert.NotNull(await engine.Store.GetFolderAsync(account.Id, "Projects/2026"));
        Assert.Equal(StoreStatus.AlreadyExists, await engine.Store.CreateFolderAsync(account.Id, "Projects"));
        var before = (await engine.Store.GetFolderAsync(account.Id, "Projects/2026/Q4"))!;

        Assert.Equal(StoreStatus.Ok, await engine.Store.RenameFolderAsync(account.Id, "Projects", "Work"));
        var after = (await engine.Store.GetFolderAsync(account.Id, "Work/2026/Q4"))!;
        Assert.Equal(before.UidValidity, after.UidValidity);
        Assert.Null(await engine.Store.GetFolderAsync(account.Id, "Projects"));

        Assert.Equal(StoreStatus.HasChildren, await engine.Store.DeleteFolderAsync(account.Id, "Work"));
        Assert.Equal(StoreStatus.Invalid, await engine.Store.DeleteFolderAsync(account.Id, "INBOX"));
        Assert.Equal(StoreStatus.Ok, await engine.Store.DeleteFolderAsync(account.Id, "Work/2026/Q4"));
        await engine.Store.CreateFolderAsync(account.Id, "Work/2026/Q4");
        Assert.NotEqual(before.UidValidity, (await engine.Store.GetFolderAsync(account.Id, "Work/2026/Q4"))!.UidValidity);
    }

    [Fact]
    public async Task Flags_EachChangeGetsAHigherModSeq_AndUnchangedSinceIsHonoured()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("flags@example.com");
        var inbox = await engine.InboxAsync(account);
        var uid = (await engine.DeliverAsync(account, EngineHost.Message("f"))).Uid;
        var start = (await engine.Store.GetMessageAsync(inbox.Id, uid))!.ModSeq;

        var seen = await engine.Store.StoreFlagsAsync(inbox.Id, [uid], FlagChange.Add, MessageFlags.Seen, ["$Forwarded"]);
        var update = Assert.Single(seen.Updated);
        Assert.Equal(MessageFlags.Seen, update.Flags);
        Assert.Equal(["$Forwarded"], update.Keywords);
        Assert.True(update.ModSeq > start);

        var again = await engine.Store.StoreFlagsAsync(inbox.Id, [uid], FlagChange.Add, MessageFlags.Seen);
        Assert.Empty(again.Updated); // nothing changed, no new MODSEQ

        var conflict = await engine.Store.StoreFlagsAsync(inbox.Id, [uid], FlagChange.Add, MessageFlags.Flagged, unchangedSince: start);
        Assert.Equal([uid], conflict.Failed);
        Assert.Equal(update.ModSeq, (await engine.Store.ListChangedSinceAsync(inbox.Id, start)).Single().ModSeq);
    }

    [Fact]
    public async Task Changes_ArePublishedToSubscribersOfTheMailbox()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("notify@example.com");
        var inbox = await engine.InboxAsync(account);
        var seen = new List<MailboxChange>();
        using var subscription = engine.Store.Changes.Subscribe(account.Id, c => { lock (seen) seen.Add(c); });

        var uid = (await engine.DeliverAsync(account, EngineHost.Message("n"))).Uid;
        await engine.Store.StoreFlagsAsync(inbox.Id, [uid], FlagChange.Add, MessageFlags.Deleted);
        await engine.Store.ExpungeAsync(inbox.Id);

        Assert.Equal([MailboxChangeKind.MessagesAdded, MailboxChangeKind.FlagsChanged, MailboxChangeKind.MessagesExpunged], seen.Select(c => c.Kind));
        Assert.All(seen, c => Assert.Equal(inbox.Id, c.FolderId));
        Assert.All(seen, c => Assert.Equal([uid], c.Uids));
        Assert.Single(await engine.Store.ListExpungedSinceAsync(inbox.Id, 0));
    }

    [Fact]
    public async Task Delivery_ToSeveralMailboxes_SharesOneBodyFile_AndChargesEach()
    {
        await using var engine = await StartAsync();
        var a = await engine.CreateMailboxAsync("a@example.com");
        var b = await engine.CreateMailboxAsync("b@example.com");
        var full = await engine.CreateMailboxAsync("full@example.com", quotaBytes: 10);
        var message = EngineHost.Message("to all");

        var results = await engine.Delivery.DeliverAsync(new MemoryStream(Encoding.UTF8.GetBytes(message)), [a.Id, b.Id, full.Id, a.Id]);

        Assert.Equal([DeliveryStatus.Delivered, DeliveryStatus.Delivered, DeliveryStatus.OverQuota], results.Select(r => r.Status));
        var ma = (await engine.Store.ListMessagesAsync((await engine.InboxAsync(a)).Id)).Single();
        var mb = (await engine.Store.ListMessagesAsync((await engine.InboxAsync(b)).Id)).Single();
        Assert.Equal(ma.BodyPath, mb.BodyPath);
        Assert.Equal(message.Length, (await engine.Store.GetQuotaAsync(a.Id))!.UsedBytes);
        Assert.Equal(message.Length, (await engine.Store.GetQuotaAsync(b.Id))!.UsedBytes);
        Assert.Single(System.IO.Directory.EnumerateFiles(engine.Store.Bodies.Root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Delivery_StoresBareLineFeedsAsCrLf_SoSizeIsWhatClientsReceive()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("crlf@example.com");
        await engine.DeliverAsync(account, "Subject: lf\n\nline one\nline two\n");
        var stored = (await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id)).Single();
        await using var body = engine.Store.OpenBody(stored);
        var bytes = new MemoryStream();
        await body.CopyToAsync(bytes);
        Assert.Equal("Subject: lf\r\n\r\nline one\r\nline two\r\n", Encoding.ASCII.GetString(bytes.ToArray()));
        Assert.Equal(bytes.Length, stored.Size);
    }

    [Fact]
    public async Task Pop3Retrievals_OfAWholeMaildrop_AreRecordedOnce_AndEarlierOnesKeepTheirDate()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("retrieved@example.com");
        var message = Encoding.ASCII.GetBytes(EngineHost.Message("r"));
        // More than one batch of ids (500) at QUIT.
        for (var batch = 0; batch < 6; batch++)
            await Task.WhenAll(Enumerable.Range(0, 85).Select(_ => engine.Delivery.DeliverAsync(new MemoryStream(message), [account.Id])));
        var inbox = await engine.InboxAsync(account);
        var ids = (await engine.Store.ListMessagesAsync(inbox.Id)).Select(m => m.Id).ToList();
        Assert.Equal(510, ids.Count);

        await engine.Store.MarkPop3RetrievedAsync(ids.Take(3).ToList());
        var early = (await engine.Store.ListMessagesAsync(inbox.Id)).Take(3).Select(m => m.Pop3RetrievedAt).ToList();
        await Task.Delay(50);
        await engine.Store.MarkPop3RetrievedAsync(ids);

        var all = await engine.Store.ListMessagesAsync(inbox.Id);
        Assert.All(all, m => Assert.NotNull(m.Pop3RetrievedAt));
        Assert.Equal(early, all.Take(3).Select(m => m.Pop3RetrievedAt));
        Assert.All(all.Skip(3), m => Assert.True(m.Pop3RetrievedAt > early[0]));
    }

    [Fact]
    public async Task EnvelopeAndBodyStructure_AreCachedInImapSyntax()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("env@example.com");
        const string message = "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\nFrom: Terry Gray <gray@cac.washington.edu>\r\n" +
            "Subject: IMAP4rev1 WG mtg summary and minutes\r\nTo: imap@cac.washington.edu\r\ncc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n" +
            "Message-Id: <B27397-0100000@cac.washington.edu>\r\nMIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n" +
            "line 1\r\nline 2\r\nline 3\r\n";
        await engine.DeliverAsync(account, message);
        var stored = (await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id, includeSummaries: true)).Single();

        // RFC 3501 section 8's example, modulo the case the message itself uses.
        Assert.Equal("(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) " +
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) " +
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL " +
            "\"<B27397-0100000@cac.washington.edu>\")", stored.Envelope);
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 24 3)", stored.Body);
        Assert.Equal("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7bit\" 24 3 NIL NIL NIL NIL)", stored.BodyStructure);
    }

    [Fact]
    public async Task BodyStructure_OfMultipartWithAttachment_DescribesEachPart()
    {
        await using var engine = await StartAsync();
        var account = await engine.CreateMailboxAsync("multi@example.com");
        const string message = "From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n" +
            "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n" +
            "--XX\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n\r\nJVBERi0=\r\n" +
            "--XX--\r\n";
        await engine.DeliverAsync(account, message);
        var stored = (await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id, includeSummaries: true)).Single();
        Assert.StartsWith("((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" ", stored.BodyStructure);
        Assert.Contains("(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" ", stored.BodyStructure);
        Assert.Contains("(\"attachment\" (\"filename\" \"a.pdf\"))", stored.BodyStructure);
        Assert.EndsWith(" \"mixed\" (\"boundary\" \"XX\") NIL NIL NIL)", stored.BodyStructure);
    }
}

public sealed class SqliteStoreTests : StoreRules
{
    protected override Task<EngineHost> StartAsync() => EngineHost.StartAsync();
}

public sealed class PostgresStoreTests : StoreRules
{
    protected override Task<EngineHost> StartAsync() => EngineHost.StartPostgresAsync();
}
