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

    [Fact]
    public async Task HostileUploads_AreRefusedOrSkipped_NeverStored()
    {
        using var api = host.CreateAdminApiClient();
        var domain = await NewDomainAsync(api);
        var box = await NewMailboxAsync(api, domain, "hostile");

        // Not an mbox: refused with nothing stored.
        var report = await ImportAsync(api, box, "mbox", Encoding.ASCII.GetBytes("Subject: no From line\n\nbody\n"));
        Assert.Equal(0, report.GetProperty("imported").GetInt32());
        Assert.Contains("not an mbox file", report.GetProperty("errors")[0].GetString());

        // A zip bomb entry (65 MiB of zeros in a few KB) is skipped; a path with ".." is only a folder name here.
        using var zipBytes = new MemoryStream();
        using (var zip = new ZipArchive(zipBytes, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var s = zip.CreateEntry("INBOX/cur/1577836800.1.bomb:2,S", CompressionLevel.SmallestSize).Open())
            {
                var zeros = new byte[1024 * 1024];
                for (var i = 0; i < 65; i++) s.Write(zeros);
            }
            using (var w = new StreamWriter(zip.CreateEntry("../../escape/cur/1577836800.2.x:2,S").Open()))
                w.Write("Message-ID: <escape@elsewhere.example>\r\nSubject: escape\r\n\r\nhi\r\n");
        }
        using var content = new ByteArrayContent(zipBytes.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var response = await api.PostAsync(ApiPath(box, "import", "maildir"), content, Ct);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(result.GetProperty("errors").EnumerateArray(), e => e.GetString()!.Contains("larger than"));
        using var imap = await ImapAsync(host, box);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        Assert.Equal(0, imap.Inbox.Count);

        // Not a zip at all.
        using var junk = new ByteArrayContent(Encoding.ASCII.GetBytes("PK? not really"));
        junk.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var bad = await api.PostAsync(ApiPath(box, "import", "maildir"), junk, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync(ApiPath(box, "export", "tar"), Ct)).StatusCode);
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
}
