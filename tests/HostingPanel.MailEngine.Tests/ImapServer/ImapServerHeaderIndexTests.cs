using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Protocol.Imap.Search;
using HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;
using MailKit;
using MailKit.Search;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// SEARCH on the common header fields, SORT and THREAD answered from the store's in-memory header
/// summaries: the same answers as from the header blocks, new mail and expunges seen at once, and
/// no header read twice.
/// </summary>
public sealed class ImapServerHeaderIndexTests
{
    // Shapes a mailbox really holds: encoded words in two charsets, ligatures and accents, folded
    // fields, repeated fields, replies with References and In-Reply-To, and no Date at all.
    private static readonly string[] Messages =
    [
        "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>\r\nTo: Team <team@example.com>\r\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=\r\nMessage-ID: <one@example.de>\r\nDate: Mon, 05 Jan 2026 09:00:00 +0100\r\n\r\nHallo.\r\n",
        "From: Zoë Adams <zoe@example.org>\r\nTo: bob@example.com,\r\n carol@example.com\r\nCc: audit@example.com\r\nSubject: Re: =?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=\r\nMessage-ID: <two@example.org>\r\nIn-Reply-To: <one@example.de>\r\nReferences: <one@example.de>\r\nDate: Tue, 06 Jan 2026 10:00:00 +0000\r\n\r\nDanke.\r\n",
        "From: billing@example.net\r\nTo: bob@example.com\r\nSubject: \uFB01nance report for Q4\r\nMessage-ID: <three@example.net>\r\nDate: Wed, 07 Jan 2026 11:00:00 +0000\r\n\r\nSee attached.\r\n",
        "From: alice@example.org\r\nTo: bob@example.com\r\nBcc: archive@example.com\r\nReply-To: help@example.org\r\nSubject: weekly\r\n report\r\nMessage-ID: <four@example.org>\r\nX-Priority: 1\r\n\r\nNo date here.\r\n",
        "From: ALICE@example.org\r\nTo: Team <team@example.com>\r\nSubject: [list] Fwd: weekly report (fwd)\r\nMessage-ID: <five@example.org>\r\nReferences: <four@example.org>\r\nDate: Fri, 09 Jan 2026 08:00:00 -0500\r\n\r\nForwarded.\r\n",
    ];

    private static readonly (string Field, string Needle)[] Probes =
    [
        ("From", "müller"), ("From", "MÜLLER"), ("From", "jürgen m"), ("From", "zoe"), ("From", "zoë"), ("From", "alice"),
        ("Subject", "grüße"), ("Subject", "GRÜSSE"), ("Subject", "münchen"), ("Subject", "finance"), ("Subject", "weekly report"),
        ("To", "carol"), ("To", "team"), ("Cc", "AUDIT"), ("Bcc", "archive"), ("Message-ID", "three@"), ("In-Reply-To", "one@"),
        ("Reply-To", "help"), ("Subject", ""), ("Cc", ""), ("From", "nobody"),
    ];

    [Fact]
    public async Task HeaderSearch_AnswersLikeTheHeaderBlocks_ForEveryCoveredField()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("index@example.com");
        foreach (var message in Messages)
            Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, message)).Status);

        await using var wire = await ImapServerClients.WireAsync(engine, "index@example.com");
        Assert.Contains(" OK ", (await wire.CommandAsync("a1 SELECT INBOX"))[^1]);
        var tag = 0;
        foreach (var (field, needle) in Probes)
        {
            // The covered field alone is answered from the summaries; OR'ed with a field they do not
            // cover, the same key is evaluated on the parsed header blocks. Both must agree.
            var fromSummaries = await SearchAsync(wire, $"s{++tag} UID SEARCH CHARSET UTF-8 HEADER {field} \"{needle}\"");
            var fromBlocks = await SearchAsync(wire, $"s{++tag} UID SEARCH CHARSET UTF-8 OR HEADER X-Not-There \"zz\" HEADER {field} \"{needle}\"");
            Assert.Equal(fromBlocks, fromSummaries);
        }

        // What users type: accents and case ignored both ways, ligatures spelled out, encoded words decoded.
        Assert.Equal(new uint[] { 1u }, await SearchAsync(wire, "t1 UID SEARCH CHARSET UTF-8 FROM \"MÜLLER\""));
        Assert.Equal(new uint[] { 1u, 2u }, await SearchAsync(wire, "t2 UID SEARCH CHARSET UTF-8 SUBJECT \"grüße aus\""));
        Assert.Equal(new uint[] { 3u }, await SearchAsync(wire, "t3 UID SEARCH SUBJECT \"finance\""));
        Assert.Equal(new uint[] { 4u, 5u }, await SearchAsync(wire, "t4 UID SEARCH SUBJECT \"WEEKLY REPORT\""));
        Assert.Equal(new uint[] { 4u, 5u }, await SearchAsync(wire, "t5 UID SEARCH FROM \"alice@\""));
        Assert.Equal(new uint[] { 2u }, await SearchAsync(wire, "t6 UID SEARCH CC \"audit\" TO \"carol\""));
        Assert.Equal(new uint[] { 4u }, await SearchAsync(wire, "t7 UID SEARCH BCC \"archive\""));
        // SENT* falls back to the internal date when Date: is missing (message 4), as before.
        Assert.Equal(new uint[] { 2u, 3u }, await SearchAsync(wire, "t8 UID SEARCH SENTSINCE 6-Jan-2026 SENTBEFORE 8-Jan-2026"));
    }

    [Fact]
    public async Task SortAndThread_FromTheSummaries_FollowRfc5256()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("sort@example.com");
        foreach (var message in Messages)
            Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, message)).Status);

        using var client = await ImapServerClients.MailKitAsync(engine, "sort@example.com");
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var all = SearchQuery.All;
        // Base subjects: "finance..." (ligature folded), "grüße aus münchen" ×2, "weekly report" ×2; ties by sequence.
        Assert.Equal(new uint[] { 3u, 1u, 2u, 4u, 5u }, (await client.Inbox.SortAsync(all, [OrderBy.Subject])).Select(u => u.Id));
        // FROM sorts on the local part: alice, ALICE, billing, jm, zoe.
        Assert.Equal(new uint[] { 4u, 5u, 3u, 1u, 2u }, (await client.Inbox.SortAsync(all, [OrderBy.From])).Select(u => u.Id));
        // DATE: message 4 has no Date and sorts by its arrival (now, the latest).
        Assert.Equal(new uint[] { 4u, 5u, 3u, 2u, 1u }, (await client.Inbox.SortAsync(all, [OrderBy.ReverseDate])).Select(u => u.Id));

        var threads = await client.Inbox.ThreadAsync(ThreadingAlgorithm.References, all);
        var shapes = threads.Select(Shape).ToList();
        Assert.Contains("1(2)", shapes);
        Assert.Contains("4(5)", shapes);
        Assert.Contains("3", shapes);
    }

    [Fact]
    public async Task NewMailAndExpunges_ShowInTheNextSearch_OfEverySession()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("live@example.com");
        Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, EngineHost.Message("quarterly report"))).Status);
        Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, EngineHost.Message("lunch"))).Status);

        using var first = await ImapServerClients.MailKitAsync(engine, "live@example.com");
        using var second = await ImapServerClients.MailKitAsync(engine, "live@example.com");
        await first.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await second.Inbox.OpenAsync(FolderAccess.ReadWrite);
        Assert.Equal(new uint[] { 1u }, (await first.Inbox.SearchAsync(SearchQuery.SubjectContains("report"))).Select(u => u.Id));

        // Delivered after the folder's summaries were built, and appended by the other session.
        Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, EngineHost.Message("annual report"))).Status);
        await second.Inbox.AppendAsync(new MimeKit.MimeMessage(
            [new MimeKit.MailboxAddress("Eve", "eve@example.org")], [new MimeKit.MailboxAddress("", "live@example.com")], "report draft",
            new MimeKit.TextPart("plain") { Text = "draft" }));
        await first.NoOpAsync();
        Assert.Equal(new uint[] { 1u, 3u, 4u }, (await first.Inbox.SearchAsync(SearchQuery.SubjectContains("report"))).Select(u => u.Id));
        Assert.Equal(new uint[] { 4u }, (await first.Inbox.SearchAsync(SearchQuery.FromContains("eve@"))).Select(u => u.Id));

        // Expunged by the other session: gone from the next search's answer.
        await second.Inbox.AddFlagsAsync(new UniqueId(1), MessageFlags.Deleted, silent: true);
        await second.Inbox.ExpungeAsync();
        await first.NoOpAsync();
        Assert.Equal(new uint[] { 3u, 4u }, (await first.Inbox.SearchAsync(SearchQuery.SubjectContains("report"))).Select(u => u.Id));
        Assert.Equal(new uint[] { 4u, 3u }, (await first.Inbox.SortAsync(SearchQuery.SubjectContains("report"), [OrderBy.ReverseArrival])).Select(u => u.Id));
    }

    [Fact]
    public async Task OnceSummarized_HeaderSearchesReadNoBodyFile()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("nofile@example.com");
        foreach (var message in Messages)
            Assert.Equal(DeliveryStatus.Delivered, (await engine.DeliverAsync(account, message)).Status);

        using var client = await ImapServerClients.MailKitAsync(engine, "nofile@example.com");
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var query = SearchQuery.FromContains("alice").Or(SearchQuery.SubjectContains("finance"));
        Assert.Equal(new uint[] { 3u, 4u, 5u }, (await client.Inbox.SearchAsync(query)).Select(u => u.Id));

        // The files are gone (as if on a disk that stopped answering): the summaries still answer in full.
        var inbox = await engine.InboxAsync(account);
        foreach (var stored in await engine.Store.ListMessagesAsync(inbox.Id))
            File.Delete(engine.Store.Bodies.FullPath(stored.BodyPath));
        Assert.Equal(new uint[] { 3u, 4u, 5u }, (await client.Inbox.SearchAsync(query)).Select(u => u.Id));
        Assert.Equal(new uint[] { 2u }, (await client.Inbox.SearchAsync(SearchQuery.CcContains("audit"))).Select(u => u.Id));
        Assert.Equal(new uint[] { 3u, 1u, 2u, 4u, 5u }, (await client.Inbox.SortAsync(SearchQuery.All, [OrderBy.Subject])).Select(u => u.Id));
    }

    [Fact]
    public void Cache_OverBudget_DropsTheLeastRecentlyUsedFolderWhole()
    {
        var cache = new ImapHeaderSummaryCache();
        var summary = ImapHeaderSummary.Parse(System.Text.Encoding.UTF8.GetBytes("From: a@example.org\r\nSubject: " + new string('x', 2000) + "\r\n\r\n"));
        var perFolder = (int)(ImapHeaderSummaryCache.BudgetBytes / 3 / summary.EstimatedBytes);
        var old = cache.Folder(1);
        for (var uid = 1u; uid <= perFolder; uid++)
            old.Add(uid, summary);
        Thread.Sleep(20);
        var used = cache.Folder(2);
        for (var uid = 1u; uid <= perFolder; uid++)
            used.Add(uid, summary);
        Thread.Sleep(20);
        var current = cache.Folder(3);
        for (var uid = 1u; uid <= perFolder + 10; uid++)
            current.Add(uid, summary);

        // Folder 1 was the least recently used: dropped; 2 and 3 kept, with all they held.
        Assert.True(old.Evicted);
        Assert.False(used.Evicted);
        Assert.False(current.Evicted);
        Assert.NotSame(old, cache.Folder(1));
        Assert.True(cache.Folder(2).TryGet((uint)perFolder, out _));
        Assert.True(cache.Folder(3).TryGet((uint)perFolder + 10, out _));
    }

    private static string Shape(MessageThread thread) =>
        (thread.UniqueId?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")
        + string.Concat(thread.Children.Select(c => "(" + Shape(c) + ")"));

    private static async Task<uint[]> SearchAsync(ImapWire wire, string command)
    {
        var lines = await wire.CommandAsync(command);
        Assert.Contains(" OK ", lines[^1]);
        var result = lines.Single(l => l.StartsWith("* SEARCH", StringComparison.Ordinal));
        return result.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(uint.Parse).ToArray();
    }
}
