using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using static HostingPanel.Web.Tests.Transfer.TransferWorld;

namespace HostingPanel.Web.Tests.Transfer;

/// <summary>
/// GET .../mailboxes/{localPart}/export (mbox, Maildir zip) and POST .../import on the whole product: mail put in over IMAP,
/// exported, imported into another mailbox, and compared message by message over IMAP.
/// </summary>
public sealed class MailboxTransferTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Six messages in four folders (nested, non-ASCII), with flags, keywords, internal dates, "From " lines in a body, and one without a Message-ID.</summary>
    private async Task FillAsync(string address)
    {
        using var imap = await ImapAsync(host, address);
        var root = imap.GetFolder(imap.PersonalNamespaces[0]);
        var projects = await root.CreateAsync("Projects", true, Ct);
        var year = (await projects!.CreateAsync("2024", true, Ct))!;
        var unicode = (await root.CreateAsync("Ünïcode", true, Ct))!;
        var sent = await imap.GetFolderAsync("Sent", Ct);
        var date = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);
        async Task Put(IMailFolder folder, MimeKit.MimeMessage m, MessageFlags flags, int day, params string[] keywords)
        {
            var request = new AppendRequest(m, flags) { InternalDate = date.AddDays(day) };
            if (keywords.Length > 0) request.Keywords = new HashSet<string>(keywords);
            await folder.AppendAsync(request, Ct);
        }
        await Put(imap.Inbox, Message("one", "Hello."), MessageFlags.Seen, 1);
        await Put(imap.Inbox, Message("two", "From the start of this line\n>From already quoted\nFrom\n"), MessageFlags.Flagged, 2, "$Work");
        await Put(imap.Inbox, Message("three, no id", "No Message-ID here.", messageId: null), MessageFlags.None, 3);
        await Put(sent, Message("four", "Sent mail."), MessageFlags.Seen | MessageFlags.Answered, 4);
        await Put(year, Message("five", "A draft."), MessageFlags.Draft, 5);
        await Put(unicode, Message("six", "Grüße."), MessageFlags.Seen, 6);
        await imap.DisconnectAsync(true, Ct);
    }

    private async Task<List<Fingerprint>> FingerprintsOfAsync(string address)
    {
        using var imap = await ImapAsync(host, address);
        return await FingerprintsAsync(imap);
    }

    private static string ApiPath(string address, string verb, string format) =>
        $"/api/v1/domains/{address.Split('@')[1]}/mailboxes/{address.Split('@')[0]}/{verb}?format={format}";

    private async Task<JsonElement> ImportAsync(HttpClient api, string address, string format, byte[] file)
    {
        using var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(format == "mbox" ? "application/mbox" : "application/zip");
        using var response = await api.PostAsync(ApiPath(address, "import", format), content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Theory]
    [InlineData("mbox")]
    [InlineData("maildir")]
    public async Task Export_ThenImportIntoAnotherMailbox_GivesTheSameMessages_AndASecondImportOnlyDuplicates(string format)
    {
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var source = await NewMailboxAsync(api, domain, "source");
        var target = await NewMailboxAsync(api, domain, "target");
        await FillAsync(source);

        using var response = await api.GetAsync(ApiPath(source, "export", format), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(format == "mbox" ? "application/mbox" : "application/zip", response.Content.Headers.ContentType!.MediaType);
        Assert.True(long.Parse(response.Headers.GetValues("X-Mailbox-Bytes").Single()) > 0);
        var file = await response.Content.ReadAsByteArrayAsync(Ct);
        if (format == "mbox")
        {
            var text = Encoding.UTF8.GetString(file);
            Assert.Equal(6, text.Split('\n').Count(l => l.StartsWith("From MAILER-DAEMON ", StringComparison.Ordinal)));
            // mboxrd: body lines starting with "From " or ">From " get one more '>'.
            Assert.Contains("\n>From the start of this line\n>>From already quoted\nFrom\n", text);
            Assert.Contains("\nX-Folder: Projects/2024\n", text);
            Assert.Contains("\nX-Folder: Ünïcode\n", text);
            Assert.Contains("X-Flags: \\Flagged $Work\n", text);
            Assert.DoesNotContain("\r\n", text);
        }
        else
        {
            using var zip = new ZipArchive(new MemoryStream(file));
            Assert.Equal(6, zip.Entries.Count);
            Assert.Contains(zip.Entries, e => e.FullName.StartsWith("Projects/2024/cur/", StringComparison.Ordinal) && e.FullName.EndsWith(":2,D", StringComparison.Ordinal));
            Assert.Contains(zip.Entries, e => e.FullName.StartsWith("Sent/cur/", StringComparison.Ordinal) && e.FullName.EndsWith(":2,RS", StringComparison.Ordinal));
        }

        var report = await ImportAsync(api, target, format, file);
        Assert.Equal(6, report.GetProperty("imported").GetInt32());
        Assert.Equal(0, report.GetProperty("duplicates").GetInt32());
        Assert.False(report.GetProperty("stoppedAtQuota").GetBoolean());

        var expected = await FingerprintsOfAsync(source);
        var actual = await FingerprintsOfAsync(target);
        if (format == "maildir") expected = expected.Select(f => f with { Keywords = "" }).ToList(); // Maildir keeps no keywords
        Assert.Equal(expected, actual);

        // Merging again: everything is already there.
        var again = await ImportAsync(api, target, format, file);
        Assert.Equal(0, again.GetProperty("imported").GetInt32());
        Assert.Equal(6, again.GetProperty("duplicates").GetInt32());
        Assert.Equal(actual, await FingerprintsOfAsync(target));
    }

    [Fact]
    public async Task Import_StopsCleanlyAtTheQuota_AndNeverStoresPastIt()
    {
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var small = await NewMailboxAsync(api, domain, "small", quotaMb: 1);
        var mbox = new StringBuilder();
        for (var i = 0; i < 5; i++)
        {
            mbox.Append("From someone@elsewhere.example Sat Jan  4 10:00:00 2020\n");
            mbox.Append($"Message-ID: <big{i}@elsewhere.example>\nSubject: big {i}\n\n");
            mbox.Append(string.Concat(Enumerable.Repeat(new string('x', 76) + "\n", 4000))).Append('\n');
        }
        var report = await ImportAsync(api, small, "mbox", Encoding.ASCII.GetBytes(mbox.ToString()));
        using var imap = await ImapAsync(host, small);
        var quota = await imap.Inbox.GetQuotaAsync(Ct);
        Assert.True(report.GetProperty("stoppedAtQuota").GetBoolean(), report.ToString());
        // 3 x 312 KB fit in 1 MiB, the 4th does not.
        Assert.True(report.GetProperty("imported").GetInt32() == 3, $"{report} quota {quota.CurrentStorageSize}/{quota.StorageLimit} KiB");
        Assert.True(quota.CurrentStorageSize <= quota.StorageLimit, $"{quota.CurrentStorageSize} KiB used of {quota.StorageLimit}");
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        // The product's own quota notice may be there too (it has room past the quota for it).
        var subjects = (await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, Ct)).Select(m => m.Envelope!.Subject ?? "").ToList();
        Assert.Equal(["big 0", "big 1", "big 2"], subjects.Where(s => s.StartsWith("big", StringComparison.Ordinal)).Order().ToArray());
    }

    /// <summary>A zip made of the given entries (name, content, compression).</summary>
    private static byte[] Zip(params (string Name, byte[] Content, CompressionLevel Level)[] entries)
    {
        using var bytes = new MemoryStream();
        using (var zip = new ZipArchive(bytes, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content, level) in entries)
                using (var s = zip.CreateEntry(name, level).Open())
                    s.Write(content);
        return bytes.ToArray();
    }

    private async Task<(HttpStatusCode Status, string Detail)> UploadAsync(HttpClient api, string address, string format, byte[] file)
    {
        using var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(format == "mbox" ? "application/mbox" : "application/zip");
        using var response = await api.PostAsync(ApiPath(address, "import", format), content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        if (response.StatusCode == HttpStatusCode.BadRequest)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            return (response.StatusCode, JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("file")[0].GetString()!);
        }
        return (response.StatusCode, text);
    }

    [Fact]
    public async Task HostileUploads_ZipSlipZipBombAndGarbage_AreRefusedWithTheReason_AndNothingIsStored()
    {
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var box = await NewMailboxAsync(api, domain, "hostile");
        var mail = "Message-ID: <escape@elsewhere.example>\r\nSubject: escape\r\n\r\nhi\r\n"u8.ToArray();
        var good = ("INBOX/cur/1577836800.3.ok:2,S", "Message-ID: <fine@elsewhere.example>\r\nSubject: fine\r\n\r\nhi\r\n"u8.ToArray(), CompressionLevel.Optimal);

        var cases = new (string Format, byte[] File, string Reason)[]
        {
            ("mbox", Encoding.ASCII.GetBytes("Subject: no From line\n\nbody\n"), "not an mbox file"),
            ("mbox", [0x89, (byte)'P', (byte)'N', (byte)'G', 0, 1, 2, 3], "not an mbox file"),
            // Zip slip: each beside a good message, which must not be stored either.
            ("maildir", Zip(good, ("../../escape/cur/1577836800.2.x:2,S", mail, CompressionLevel.Optimal)), "unsafe path"),
            ("maildir", Zip(good, ("/etc/cur/1577836800.2.x:2,S", mail, CompressionLevel.Optimal)), "unsafe path"),
            ("maildir", Zip(good, ("INBOX\\..\\..\\cur\\1577836800.2.x:2,S", mail, CompressionLevel.Optimal)), "unsafe path"),
            ("maildir", Zip(good, ("C:/Windows/cur/1577836800.2.x:2,S", mail, CompressionLevel.Optimal)), "unsafe path"),
            // Zip bombs: past the size of a message, and 4 MiB of zeros in a few KB.
            ("maildir", Zip(good, ("INBOX/cur/1577836800.1.bomb:2,S", new byte[65 * 1024 * 1024], CompressionLevel.SmallestSize)), "more than a message may have"),
            ("maildir", Zip(good, ("INBOX/cur/1577836800.1.bomb:2,S", new byte[4 * 1024 * 1024], CompressionLevel.SmallestSize)), "zip bomb"),
            // A zip, but not of mail.
            ("maildir", Zip(("notes.txt", "just text"u8.ToArray(), CompressionLevel.Optimal)), "no Maildir messages"),
            ("maildir", Encoding.ASCII.GetBytes("PK? not really"), "not a zip archive"),
        };
        foreach (var (format, file, reason) in cases)
        {
            var (status, detail) = await UploadAsync(api, box, format, file);
            Assert.True(status == HttpStatusCode.BadRequest, $"{reason}: {(int)status} {detail}");
            Assert.Contains(reason, detail);
        }

        using var imap = await ImapAsync(host, box);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        Assert.Equal(0, imap.Inbox.Count);
        var folders = await imap.GetFoldersAsync(imap.PersonalNamespaces[0], cancellationToken: Ct);
        Assert.DoesNotContain(folders, f => f.FullName.Contains("escape", StringComparison.OrdinalIgnoreCase) || f.FullName.Contains("etc", StringComparison.Ordinal) || f.FullName.Contains("Windows", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync(ApiPath(box, "export", "tar"), Ct)).StatusCode);
    }

    [Theory]
    [InlineData("mbox")]
    [InlineData("maildir")]
    public async Task Export_DeleteEverything_ImportBack_GivesBackEveryMessageWithItsFlagsAndDates(string format)
    {
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var box = await NewMailboxAsync(api, domain, "roundtrip");
        await FillAsync(box);
        var before = await FingerprintsOfAsync(box);

        var file = await api.GetByteArrayAsync(ApiPath(box, "export", format), Ct);

        // Every message expunged and every folder of our own deleted, over IMAP.
        using (var imap = await ImapAsync(host, box))
        {
            foreach (var folder in (await imap.GetFoldersAsync(imap.PersonalNamespaces[0], cancellationToken: Ct)).OrderByDescending(f => f.FullName.Length))
            {
                if (folder.Attributes.HasFlag(FolderAttributes.NonExistent)) continue;
                await folder.OpenAsync(FolderAccess.ReadWrite, Ct);
                if (folder.Count > 0)
                {
                    await folder.AddFlagsAsync(Enumerable.Range(0, folder.Count).ToList(), MessageFlags.Deleted, true, Ct);
                    await folder.ExpungeAsync(Ct);
                }
                await folder.CloseAsync(false, Ct);
                if (folder.FullName is "Projects/2024" or "Projects" or "Ünïcode") await folder.DeleteAsync(Ct);
            }
        }
        Assert.Empty(await FingerprintsOfAsync(box));

        var report = await ImportAsync(api, box, format, file);
        Assert.Equal(6, report.GetProperty("imported").GetInt32());
        var after = await FingerprintsOfAsync(box);
        if (format == "maildir") before = before.Select(f => f with { Keywords = "" }).ToList(); // Maildir keeps no keywords
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task AnotherTenantsMailbox_IsNotFound_ForExportAndImport_AndTheOwnerDownloadsItsOwnInThePortal()
    {
        using var admin = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(admin);
        var box = await NewMailboxAsync(admin, domain, "mine");
        await FillAsync(box);
        var otherDomain = await NewDomainAsync(admin);
        var key = await Api.ApiHostFixture.KeyForAsync(admin, $"{otherDomain.Split('.')[0]}@customers.example");
        using var stranger = host.CreateClient(key);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(ApiPath(box, "export", "mbox"), Ct)).StatusCode);
        using var content = new ByteArrayContent("From x Sat Jan  4 10:00:00 2020\nSubject: x\n\nx\n"u8.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/mbox");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync(ApiPath(box, "import", "mbox"), content, Ct)).StatusCode);

        // The owner, signed in to the portal with the mailbox's own address and password.
        using var session = await Portal.PortalSession.SignInAsync(host, box, Password);
        var owner = session.Client;
        Assert.Contains("/my/export?format=mbox", await owner.GetStringAsync("/my", Ct));
        using var download = await owner.GetAsync("/my/export?format=maildir", Ct);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        using var zip = new ZipArchive(new MemoryStream(await download.Content.ReadAsByteArrayAsync(Ct)));
        Assert.Equal(6, zip.Entries.Count);
        // The owner cannot reach another mailbox's staff download.
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/domains/{domain}/mailboxes/mine/export?format=mbox", Ct)).StatusCode);
    }

    /// <summary>Posts a file to a portal import form, with the antiforgery token of <paramref name="formPage"/>.</summary>
    private static async Task<HttpResponseMessage> PortalImportAsync(Portal.PortalSession session, string formPage, string action, byte[] file, string fileName, bool script)
    {
        var page = await session.Client.GetStringAsync(formPage, Ct);
        Assert.Contains($"action=\"{action}\"", page);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(token.Success, "no antiforgery token on " + formPage);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(WebUtility.HtmlDecode(token.Groups[1].Value)), "__RequestVerificationToken");
        form.Add(new StringContent(""), "format");
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, action) { Content = form };
        if (script) request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        return await session.Client.SendAsync(request, Ct);
    }

    [Fact]
    public async Task Portal_OwnerAndStaffImportAFile_ADownloadReportsItsProgress_AndOtherTenantsGet404()
    {
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var box = await NewMailboxAsync(api, domain, "portal");
        await FillAsync(box);
        var localPart = box.Split('@')[0];

        using var owner = await Portal.PortalSession.SignInAsync(host, box, Password);
        // A download named with a token: its progress ends done, with every byte of the mailbox counted.
        const string token = "0123456789abcdef0123456789abcdef";
        Assert.Contains("data-export", await owner.GetStringAsync("/my"));
        using (var download = await owner.Client.GetAsync($"/my/export?format=maildir&progress={token}", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            var total = long.Parse(download.Headers.GetValues("X-Mailbox-Bytes").Single());
            await download.Content.ReadAsByteArrayAsync(Ct);
            var progress = JsonDocument.Parse(await owner.GetStringAsync($"/export-progress/{token}")).RootElement;
            Assert.True(progress.GetProperty("done").GetBoolean());
            Assert.Equal(total, progress.GetProperty("total").GetInt64());
            Assert.Equal(total, progress.GetProperty("bytes").GetInt64());
        }
        var exported = await owner.Client.GetByteArrayAsync("/my/export?format=mbox", Ct);

        // The owner imports two new messages (the page's script asks for the result alone) and a file that is not mbox.
        var two = Encoding.ASCII.GetBytes("From a@elsewhere.example Sat Jan  4 10:00:00 2020\nMessage-ID: <p1@elsewhere.example>\nSubject: p1\n\none\n\n"
            + "From a@elsewhere.example Sat Jan  4 11:00:00 2020\nMessage-ID: <p2@elsewhere.example>\nSubject: p2\n\ntwo\n");
        using (var imported = await PortalImportAsync(owner, "/my", "/my/import", two, "old.mbox", script: true))
        {
            var html = await imported.Content.ReadAsStringAsync(Ct);
            Assert.True(imported.StatusCode == HttpStatusCode.OK, html);
            Assert.Contains("id=\"import-imported\">2<", html);
            Assert.DoesNotContain("<html", html);
        }
        using (var refused = await PortalImportAsync(owner, "/my", "/my/import", "Subject: no From line\n\nx\n"u8.ToArray(), "junk.mbox", script: false))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("not an mbox file", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync(Ct)));
        }

        // Staff import the earlier export on the mailbox's page: everything is already there.
        using var admin = await Portal.PortalSession.AdminAsync(host);
        var mailboxPage = $"/domains/{domain}/mailboxes/{localPart}";
        using (var again = await PortalImportAsync(admin, mailboxPage, $"{mailboxPage}/import", exported, "portal.mbox", script: false))
        {
            var html = await again.Content.ReadAsStringAsync(Ct);
            Assert.True(again.StatusCode == HttpStatusCode.OK, html);
            Assert.Contains("id=\"import-imported\">0<", html);
            Assert.Contains("id=\"import-duplicates\">6<", html);
        }
        // Another user cannot see the owner's download progress.
        Assert.Equal(HttpStatusCode.NotFound, await admin.StatusOfAsync($"/export-progress/{token}"));

        // A customer of another tenant: the mailbox's export and import do not exist for it.
        using var stranger = await Portal.PortalSetupSteps.CustomerWithDomainAsync(host, admin, "x" + Guid.NewGuid().ToString("N")[..8]);
        Assert.Equal(HttpStatusCode.NotFound, await stranger.StatusOfAsync($"{mailboxPage}/export?format=mbox"));
        Assert.Equal(HttpStatusCode.NotFound, await stranger.StatusOfAsync(mailboxPage));
        var ownPage = "/domains";
        var strangerToken = System.Text.RegularExpressions.Regex.Match(await stranger.GetStringAsync(ownPage), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        using var form = new MultipartFormDataContent();
        if (strangerToken.Success) form.Add(new StringContent(WebUtility.HtmlDecode(strangerToken.Groups[1].Value)), "__RequestVerificationToken");
        form.Add(new ByteArrayContent(two), "file", "x.mbox");
        using var strangerImport = await stranger.Client.PostAsync($"{mailboxPage}/import", form, Ct);
        Assert.True(strangerImport.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, strangerImport.StatusCode.ToString());
        using var imap = await ImapAsync(host, box);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        Assert.Equal(5, imap.Inbox.Count); // three of its own and the owner's two, nothing from the stranger
    }
}
