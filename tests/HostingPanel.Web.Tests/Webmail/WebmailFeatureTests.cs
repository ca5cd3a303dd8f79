using System.Net;
using System.Text;
using HostingPanel.Web.Tests.Portal;
using HostingPanel.Web.Webmail;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>Issue 11 points 2, 3, 5, 6 and 7 over HTTP against the real engine: folders, the list, changes to selected messages, drafts and forwarding, a full mailbox, the POP3 note.</summary>
public sealed class WebmailFeatureTests(WebmailHostFixture host) : IClassFixture<WebmailHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MimeMessage Mail(string from, string to, string subject, string body, DateTimeOffset date, byte[]? attachment = null)
    {
        var m = new MimeMessage();
        m.From.Add(MailboxAddress.Parse(from));
        m.To.Add(MailboxAddress.Parse(to));
        m.Subject = subject;
        m.Date = date;
        var b = new BodyBuilder { TextBody = body };
        if (attachment is not null) b.Attachments.Add("data.bin", attachment);
        m.Body = b.ToMessageBody();
        return m;
    }

    private static async Task AppendAsync(ImapClient imap, string folder, params MimeMessage[] messages)
    {
        var target = folder == "INBOX" ? imap.Inbox : await imap.GetFolderAsync(folder, Ct);
        foreach (var m in messages) await target.AppendAsync(new AppendRequest(m), Ct);
    }

    [Fact]
    public async Task Folders_ShowUnreadCounts_SpecialUseIcons_AndTheQuota_AndSubfoldersAreCreatedRenamedDeleted()
    {
        const string domain = "folders.example";
        await host.CreateDomainAsync(domain, ["erin"]);
        using (var imap = await host.ImapAsync($"erin@{domain}"))
            await AppendAsync(imap, "INBOX", Mail("x@elsewhere.example", $"erin@{domain}", "One", "1", DateTimeOffset.Now), Mail("y@elsewhere.example", $"erin@{domain}", "Two", "2", DateTimeOffset.Now));
        using var web = await WebmailHttp.SignInAsync(host, $"erin@{domain}");

        var page = await web.PageAsync("/webmail");
        Assert.Equal("2", page.QuerySelector("[data-role=inbox] [data-unread]")?.TextContent);
        foreach (var (role, icon) in new[] { ("sent", "bi-send"), ("drafts", "bi-file-earmark-text"), ("trash", "bi-trash"), ("inbox", "bi-inbox") })
            Assert.NotNull(page.QuerySelector($"[data-role={role}] i.{icon}"));
        var quota = page.QuerySelector("#webmail-quota")!.TextContent;
        Assert.Contains("of 50 MB", quota);

        page = await web.PostAsync("/webmail", "/webmail/folders/create", new() { ["Name"] = "Projects", ["Parent"] = "" });
        Assert.Equal("Folder Projects created.", WebmailHttp.Flash(page));
        page = await web.PostAsync("/webmail", "/webmail/folders/create", new() { ["Name"] = "2027", ["Parent"] = "Projects" });
        Assert.NotNull(page.QuerySelector("[data-folder='Projects/2027']"));
        page = await web.PostAsync("/webmail?folder=Projects%2F2027", "/webmail/folders/rename", new() { ["Path"] = "Projects/2027", ["Name"] = "Next year" });
        Assert.NotNull(page.QuerySelector("[data-folder='Projects/Next year']"));
        Assert.Null(page.QuerySelector("[data-folder='Projects/2027']"));
        page = await web.PostAsync("/webmail?folder=Projects%2FNext%20year", "/webmail/folders/delete", new() { ["Path"] = "Projects/Next year" });
        Assert.Null(page.QuerySelector("[data-folder='Projects/Next year']"));

        // Bad names are refused with a reason; the special folders keep their names.
        page = await web.PostAsync("/webmail", "/webmail/folders/create", new() { ["Name"] = "a/b" });
        Assert.Contains("cannot contain /", WebmailHttp.Flash(page));
        page = await web.PostAsync("/webmail", "/webmail/folders/rename", new() { ["Path"] = "INBOX", ["Name"] = "Old" });
        Assert.Contains("cannot be renamed", WebmailHttp.Flash(page));
        page = await web.PostAsync("/webmail", "/webmail/folders/delete", new() { ["Path"] = "Trash" });
        Assert.Contains("cannot be deleted", WebmailHttp.Flash(page));
        Assert.Equal(HttpStatusCode.NotFound, await web.Session.StatusOfAsync("/webmail?folder=No%20such%20folder"));
    }

    [Fact]
    public async Task List_IsSortedAndPagedByTheServer_AndSearchFindsSubjectSenderAndText()
    {
        const string domain = "list.example";
        await host.CreateDomainAsync(domain, ["finn"]);
        var t0 = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        using (var imap = await host.ImapAsync($"finn@{domain}"))
            await AppendAsync(imap, "INBOX",
                Mail("carla@one.example", $"finn@{domain}", "Delta plan", "nothing special", t0.AddDays(1), new byte[30_000]),
                Mail("bert@two.example", $"finn@{domain}", "Alpha notes", "the word zebra is here", t0.AddDays(2)),
                Mail("anna@three.example", $"finn@{domain}", "Charlie call", "hello", t0.AddDays(3), new byte[10_000]),
                Mail("dora@four.example", $"finn@{domain}", "Bravo budget", "hello", t0.AddDays(4)),
                Mail("emil@five.example", $"finn@{domain}", "Echo event", "hello", t0.AddDays(5)),
                Mail("fred@six.example", $"finn@{domain}", "Foxtrot facts", "hello", t0.AddDays(6)));
        using var web = await WebmailHttp.SignInAsync(host, $"finn@{domain}");

        string[] Subjects(AngleSharp.Dom.IDocument page) => WebmailHttp.Rows(page).Select(r => r.Subject).ToArray();
        var newest = await web.PageAsync("/webmail?folder=INBOX");
        Assert.Equal(["Foxtrot facts", "Echo event", "Bravo budget", "Charlie call", "Alpha notes"], Subjects(newest));
        Assert.Contains("Page 1 of 2", newest.QuerySelector("nav[aria-label='Message pages']")!.TextContent);
        Assert.Equal(["Delta plan"], Subjects(await web.PageAsync("/webmail?folder=INBOX&page=2")));
        // The Date header (SORT) and arrival agree here; oldest first reverses both.
        Assert.Equal(Subjects(newest), Subjects(await web.PageAsync("/webmail?folder=INBOX&sort=date")));
        Assert.Equal(["Delta plan", "Alpha notes", "Charlie call", "Bravo budget", "Echo event"], Subjects(await web.PageAsync("/webmail?folder=INBOX&asc=true")));
        Assert.True(WebmailHttp.Rows(await web.PageAsync("/webmail?folder=INBOX&page=2")).Single().HasAttachments);

        Assert.Equal(["Alpha notes", "Bravo budget", "Charlie call", "Delta plan", "Echo event"], Subjects(await web.PageAsync("/webmail?folder=INBOX&sort=subject&asc=true")));
        Assert.Equal(["Charlie call", "Alpha notes", "Delta plan", "Bravo budget", "Echo event"], Subjects(await web.PageAsync("/webmail?folder=INBOX&sort=from&asc=true")));
        Assert.Equal(["Delta plan", "Charlie call"], Subjects(await web.PageAsync("/webmail?folder=INBOX&sort=size")).Take(2).ToArray());

        Assert.Equal(["Alpha notes"], Subjects(await web.PageAsync("/webmail?folder=INBOX&q=zebra")));
        Assert.Equal(["Alpha notes"], Subjects(await web.PageAsync("/webmail?folder=INBOX&q=zebra&in=body")));
        Assert.Empty(Subjects(await web.PageAsync("/webmail?folder=INBOX&q=zebra&in=subject")));
        Assert.Equal(["Charlie call"], Subjects(await web.PageAsync("/webmail?folder=INBOX&q=anna&in=from")));
        Assert.Equal(["Bravo budget"], Subjects(await web.PageAsync("/webmail?folder=INBOX&q=budget&in=subject")));
        Assert.Contains("No messages match", (await web.PageAsync("/webmail?folder=INBOX&q=nothing-like-this")).QuerySelector("#message-list")!.TextContent);
        Assert.Equal(HttpStatusCode.BadRequest, await web.Session.StatusOfAsync("/webmail?folder=INBOX&q=" + new string('x', 300)));
    }

    [Fact]
    public async Task SelectedMessages_AreMarkedFlaggedMoved_DeletedToTrash_ThenDeletedForGood_AndTrashEmpties()
    {
        const string domain = "actions.example";
        await host.CreateDomainAsync(domain, ["gina"]);
        using (var imap = await host.ImapAsync($"gina@{domain}"))
        {
            await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync("Keep", true, Ct);
            await AppendAsync(imap, "INBOX", [.. Enumerable.Range(1, 4).Select(i => Mail("x@elsewhere.example", $"gina@{domain}", $"Note {i}", "text", DateTimeOffset.Now.AddMinutes(i)))]);
        }
        using var web = await WebmailHttp.SignInAsync(host, $"gina@{domain}");
        var rows = WebmailHttp.Rows(await web.PageAsync("/webmail"));
        List<KeyValuePair<string, string>> Select(string action, params Row[] chosen) =>
            [new("Folder", "INBOX"), new("Action", action), .. chosen.Select(r => new KeyValuePair<string, string>("Uids", r.Uid.ToString()))];
        Row ByName(string s) => rows.Single(r => r.Subject == s);

        var page = await web.PostPairsAsync("/webmail", "/webmail/messages", Select("Read", ByName("Note 1"), ByName("Note 2")));
        Assert.Equal("2 messages marked read.", WebmailHttp.Flash(page));
        Assert.Equal(["Note 1", "Note 2"], WebmailHttp.Rows(page).Where(r => r.Seen).Select(r => r.Subject).Order().ToArray());
        Assert.Equal("2", page.QuerySelector("[data-role=inbox] [data-unread]")?.TextContent);
        page = await web.PostPairsAsync("/webmail", "/webmail/messages", Select("Unread", ByName("Note 1")));
        Assert.False(WebmailHttp.Rows(page).Single(r => r.Subject == "Note 1").Seen);
        page = await web.PostPairsAsync("/webmail", "/webmail/messages", Select("Flag", ByName("Note 3")));
        Assert.True(WebmailHttp.Rows(page).Single(r => r.Subject == "Note 3").Flagged);

        page = await web.PostPairsAsync("/webmail", "/webmail/messages", [.. Select("Move", ByName("Note 4")), new("Target", "Keep")]);
        Assert.Equal("1 message moved to Keep.", WebmailHttp.Flash(page));
        Assert.Equal(["Note 4"], WebmailHttp.Rows(await web.PageAsync("/webmail?folder=Keep")).Select(r => r.Subject).ToArray());

        page = await web.PostPairsAsync("/webmail", "/webmail/messages", Select("Delete", ByName("Note 1"), ByName("Note 2")));
        Assert.Equal("2 messages moved to Trash.", WebmailHttp.Flash(page));
        var trash = await web.PageAsync("/webmail?folder=Trash");
        var inTrash = WebmailHttp.Rows(trash);
        Assert.Equal(["Note 1", "Note 2"], inTrash.Select(r => r.Subject).Order().ToArray());
        Assert.NotNull(trash.QuerySelector("form[action='/webmail/trash/empty']"));

        page = await web.PostPairsAsync("/webmail?folder=Trash", "/webmail/messages",
            [new("Folder", "Trash"), new("Action", "Delete"), new("Uids", inTrash.Single(r => r.Subject == "Note 1").Uid.ToString())]);
        Assert.Equal("1 message deleted for good.", WebmailHttp.Flash(page));
        page = await web.PostAsync("/webmail?folder=Trash", "/webmail/trash/empty", []);
        Assert.Equal("Trash emptied (1 messages deleted).", WebmailHttp.Flash(page));
        Assert.Empty(WebmailHttp.Rows(await web.PageAsync("/webmail?folder=Trash")));

        page = await web.PostPairsAsync("/webmail", "/webmail/messages", [new("Folder", "INBOX"), new("Action", "Read")]);
        Assert.Equal("Select at least one message.", WebmailHttp.Flash(page));
    }

    [Fact]
    public async Task Drafts_AreSavedToDrafts_ForwardCarriesAttachments_FromMayBeAnAlias_AndRecentAddressesComplete()
    {
        const string domain = "compose.example";
        await host.CreateDomainAsync(domain, ["hugo", "ida"], ("sales", ["hugo"]), ("other", ["ida"]));
        var attachment = Encoding.UTF8.GetBytes("line one\nline two\n");
        using (var imap = await host.ImapAsync($"hugo@{domain}"))
            await AppendAsync(imap, "INBOX", Mail($"ida@{domain}", $"hugo@{domain}", "Spec", "see attached", DateTimeOffset.Now, attachment));
        using var web = await WebmailHttp.SignInAsync(host, $"hugo@{domain}");

        var compose = await web.PageAsync("/webmail/compose");
        Assert.Equal([$"hugo@{domain}", $"sales@{domain}"], compose.QuerySelectorAll("#From option").Select(o => o.GetAttribute("value") ?? "").ToArray());
        Assert.Contains(compose.QuerySelectorAll("#recent-addresses option"), o => o.GetAttribute("value")!.Contains($"ida@{domain}"));

        // A draft is saved to Drafts, opened again, and sent from the alias.
        var draft = await web.PostAsync("/webmail/compose", "/webmail/compose", new()
        {
            ["From"] = $"sales@{domain}", ["To"] = $"ida@{domain}", ["Subject"] = "Offer", ["Body"] = "Draft text", ["Intent"] = "draft", ["Mode"] = "New",
        });
        Assert.Equal("Draft text", draft.QuerySelector("#Body")!.TextContent.Trim());
        Assert.Equal("Offer", draft.QuerySelector("#Subject")!.GetAttribute("value"));
        Assert.Equal(["Offer"], WebmailHttp.Rows(await web.PageAsync("/webmail?folder=Drafts")).Select(r => r.Subject).ToArray());
        var draftUid = draft.QuerySelector("input[name=DraftUid]")!.GetAttribute("value")!;
        var sent = await web.PostAsync("/webmail/compose", "/webmail/compose", new()
        {
            ["From"] = $"sales@{domain}", ["To"] = $"ida@{domain}", ["Subject"] = "Offer", ["Body"] = "Final text", ["Intent"] = "send", ["Mode"] = "Draft", ["DraftUid"] = draftUid,
        });
        Assert.Equal("Message sent.", WebmailHttp.Flash(sent));
        Assert.Empty(WebmailHttp.Rows(await web.PageAsync("/webmail?folder=Drafts")));

        // Forward with the original's attachment.
        var spec = WebmailHttp.Rows(await web.PageAsync("/webmail")).Single(r => r.Subject == "Spec");
        var forward = await web.PageAsync($"/webmail/compose?mode=forward&folder=INBOX&uid={spec.Uid}");
        Assert.Equal("Fwd: Spec", forward.QuerySelector("#Subject")!.GetAttribute("value"));
        Assert.Contains("data.bin", forward.QuerySelector("label[for=ForwardAttachments]")!.TextContent);
        sent = await web.PostAsync($"/webmail/compose?mode=forward&folder=INBOX&uid={spec.Uid}", "/webmail/compose", new()
        {
            ["From"] = $"hugo@{domain}", ["To"] = $"ida@{domain}", ["Subject"] = "Fwd: Spec", ["Body"] = "fyi", ["Intent"] = "send",
            ["Mode"] = "Forward", ["SourceFolder"] = "INBOX", ["SourceUid"] = spec.Uid.ToString(), ["ForwardAttachments"] = "true",
        });
        Assert.Equal("Message sent.", WebmailHttp.Flash(sent));

        // Sending as an address that does not reach the mailbox is refused before anything leaves.
        var refused = await web.PostAsync("/webmail/compose", "/webmail/compose", new()
        {
            ["From"] = $"other@{domain}", ["To"] = $"ida@{domain}", ["Subject"] = "Spoof", ["Body"] = "x", ["Intent"] = "send", ["Mode"] = "New",
        });
        Assert.Contains("only as your mailbox or an alias", refused.QuerySelector("#compose-errors")!.TextContent);
        var noRecipient = await web.PostAsync("/webmail/compose", "/webmail/compose", new() { ["From"] = $"hugo@{domain}", ["Subject"] = "x", ["Intent"] = "send", ["Mode"] = "New" });
        Assert.Contains("Enter at least one recipient.", noRecipient.QuerySelector("#compose-errors")!.TextContent);

        using var ida = await host.ImapAsync($"ida@{domain}");
        await ida.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        await WebmailHostFixture.EventuallyAsync(async () => (await ida.Inbox.SearchAsync(SearchQuery.All, Ct)).Count >= 2, TimeSpan.FromSeconds(30), "both messages delivered to ida");
        var offer = await ida.Inbox.GetMessageAsync((await ida.Inbox.SearchAsync(SearchQuery.SubjectContains("Offer"), Ct)).Single(), Ct);
        Assert.Equal($"sales@{domain}", offer.From.Mailboxes.Single().Address);
        Assert.Equal("Final text", offer.TextBody?.Trim());
        var fwd = await ida.Inbox.GetMessageAsync((await ida.Inbox.SearchAsync(SearchQuery.SubjectContains("Fwd: Spec"), Ct)).Single(), Ct);
        var forwarded = Assert.Single(fwd.Attachments.OfType<MimePart>());
        Assert.Equal("data.bin", forwarded.FileName);
        using var content = new MemoryStream();
        await forwarded.Content!.DecodeToAsync(content, Ct);
        Assert.Equal(attachment, content.ToArray());
    }

    [Fact]
    public async Task FullMailbox_DeletingAndEmptyingTrashSucceed_AndASentCopyThatDoesNotFit_IsToldPlainly()
    {
        const string domain = "full.example";
        await host.CreateDomainAsync(domain, ["jack"]);
        await host.AddMailboxAsync(domain, "kim", quotaMb: 1);
        using (var imap = await host.ImapAsync($"kim@{domain}"))
        {
            await AppendAsync(imap, "INBOX", Mail("x@elsewhere.example", $"kim@{domain}", "Small", "hi", DateTimeOffset.Now));
            // Fill the mailbox to the brim: appends until the engine says OVERQUOTA.
            var big = new byte[200_000];
            for (var i = 0; i < 20; i++)
            {
                try { await AppendAsync(imap, "INBOX", Mail("x@elsewhere.example", $"kim@{domain}", $"Big {i}", "b", DateTimeOffset.Now, big)); }
                catch (ImapCommandException) { break; }
            }
        }
        using var web = await WebmailHttp.SignInAsync(host, $"kim@{domain}");
        var sent = await web.PostAsync("/webmail/compose", "/webmail/compose", new()
        {
            ["From"] = $"kim@{domain}", ["To"] = $"jack@{domain}", ["Subject"] = "Hello", ["Body"] = new string('x', 300_000), ["Intent"] = "send", ["Mode"] = "New",
        });
        Assert.Equal("Message sent, but your mailbox is full, so no copy was saved in Sent. Delete some mail or empty Trash to make room.", WebmailHttp.Flash(sent));

        var rows = WebmailHttp.Rows(await web.PageAsync("/webmail"));
        var page = await web.PostPairsAsync("/webmail", "/webmail/messages",
            [new("Folder", "INBOX"), new("Action", "Delete"), .. rows.Select(r => new KeyValuePair<string, string>("Uids", r.Uid.ToString()))]);
        Assert.Matches("^(\\d+ messages moved to Trash\\.|Your mailbox is full, so \\d+ messages deleted at once instead of moved to Trash\\.)$", WebmailHttp.Flash(page));
        await web.PostAsync("/webmail?folder=Trash", "/webmail/trash/empty", []);
        page = await web.PageAsync("/webmail?folder=Trash");
        Assert.Empty(WebmailHttp.Rows(page));
        Assert.Empty(WebmailHttp.Rows(await web.PageAsync("/webmail")));

        // With room again, the Sent copy is kept.
        sent = await web.PostAsync("/webmail/compose", "/webmail/compose", new()
        {
            ["From"] = $"kim@{domain}", ["To"] = $"jack@{domain}", ["Subject"] = "Again", ["Body"] = "short", ["Intent"] = "send", ["Mode"] = "New",
        });
        Assert.Equal("Message sent.", WebmailHttp.Flash(sent));
        Assert.Equal(["Again"], WebmailHttp.Rows(await web.PageAsync("/webmail?folder=Sent")).Select(r => r.Subject).ToArray());
    }

    [Fact]
    public async Task Pop3Users_AreToldDownloadedMailIsGone_WithALinkToTheSetupPage_AndSessionsAreRequired()
    {
        const string domain = "note.example";
        await host.CreateDomainAsync(domain, ["lena"]);
        using var web = await WebmailHttp.SignInAsync(host, $"lena@{domain}");
        var note = (await web.PageAsync("/webmail")).QuerySelector("#pop3-note")!;
        Assert.Contains("downloaded and removed", note.TextContent);
        Assert.Equal("/my/setup", note.QuerySelector("a")!.GetAttribute("href"));

        // Signed out of webmail: pages go to its sign-in, background requests get 401.
        var response = await web.Session.PostFormAsync("/webmail", "/webmail/logout", []);
        Assert.Equal("/webmail/login", response.Headers.Location?.ToString());
        using var anonymous = host.CreateClient();
        var page = await anonymous.GetAsync("/webmail", Ct);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);

        using var portalOnly = await PortalSession.SignInAsync(host, $"lena@{domain}", WebmailHostFixture.Password);
        Assert.Equal("/webmail/login", (await portalOnly.Client.GetAsync("/webmail", Ct)).Headers.Location?.ToString());
        var events = new HttpRequestMessage(HttpMethod.Get, "/webmail/events?folder=INBOX");
        events.Headers.Accept.ParseAdd("text/event-stream");
        Assert.Equal(HttpStatusCode.Unauthorized, (await portalOnly.Client.SendAsync(events, Ct)).StatusCode);

        // The wrong password signs in to nothing.
        var wrong = new PortalSession(host.CreateClient());
        var failed = await wrong.PostFormAsync("/webmail/login", "/webmail/login", new() { ["Email"] = $"lena@{domain}", ["Password"] = "wrong-password" });
        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        Assert.Contains("The address or password is not right.", await failed.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task HtmlFrame_IsKeptSanitizedBetweenViews_PerImageChoice_AndAnExpungedMessageIsNotShownFromMemory()
    {
        const string domain = "frames.example";
        await host.CreateDomainAsync(domain, ["jan"]);
        var newsletter = new MimeMessage();
        newsletter.From.Add(MailboxAddress.Parse("news@letters.example"));
        newsletter.To.Add(MailboxAddress.Parse($"jan@{domain}"));
        newsletter.Subject = "Cached news";
        newsletter.Body = new BodyBuilder { HtmlBody = "<p>Cached body</p><img src=\"https://images.example.org/a.png\"><script>x()</script>" }.ToMessageBody();
        using var imap = await host.ImapAsync($"jan@{domain}");
        await AppendAsync(imap, "INBOX", newsletter);
        await imap.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
        var uid = (await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("Cached news"), Ct)).Single();
        using var web = await WebmailHttp.SignInAsync(host, $"jan@{domain}");
        var cache = host.App.Services.GetRequiredService<SanitizedHtmlCache>();
        var body = $"/webmail/message/body?folder=INBOX&uid={uid.Id}";

        var before = cache.Count;
        var first = await web.Session.GetStringAsync(body);
        Assert.Contains("Cached body", first);
        Assert.DoesNotContain("images.example.org", first);
        Assert.DoesNotContain("<script", first);
        Assert.Equal(before + 1, cache.Count);
        Assert.Equal(first, await web.Session.GetStringAsync(body));
        Assert.Equal(before + 1, cache.Count);

        // Showing images is its own copy, not the blocked one.
        var withImages = await web.Session.GetStringAsync(body + "&images=true");
        Assert.Contains("https://images.example.org/a.png", withImages);
        Assert.DoesNotContain("<script", withImages);
        Assert.Equal(before + 2, cache.Count);

        // Once the message is expunged, the copy in memory is not served.
        await imap.Inbox.AddFlagsAsync(uid, MessageFlags.Deleted, silent: true, Ct);
        await imap.Inbox.ExpungeAsync(Ct);
        Assert.Equal(HttpStatusCode.NotFound, await web.Session.StatusOfAsync(body));
    }
}
