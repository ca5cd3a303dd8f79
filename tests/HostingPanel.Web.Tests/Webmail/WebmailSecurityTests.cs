using System.Net;
using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Portal;
using MailKit;
using MailKit.Search;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// Issue 11 point 8: a hostile message is shown inert in Chromium (no script runs, nothing remote loads
/// until asked), every header and attachment string is encoded, the frame and downloads carry their own
/// headers, and every webmail change needs the antiforgery token.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class WebmailSecurityTests(WebmailHostFixture host) : Portal.BrowserTest, IClassFixture<WebmailHostFixture>
{
    private const string Domain = "hostile.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly SemaphoreSlim Setup = new(1, 1);
    private static bool _ready;

    /// <summary>carol has the hostile message in her inbox (appended over IMAP, as any client could).</summary>
    private async Task<uint> HostileMessageUidAsync()
    {
        await Setup.WaitAsync(Ct);
        try
        {
            if (!_ready)
            {
                await host.CreateDomainAsync(Domain, ["carol"]);
                using var imap = await host.ImapAsync($"carol@{Domain}");
                await imap.Inbox.AppendAsync(new AppendRequest(HostileMail.Message($"carol@{Domain}")), Ct);
                _ready = true;
            }
            using var client = await host.ImapAsync($"carol@{Domain}");
            await client.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
            return (await client.Inbox.SearchAsync(SearchQuery.SubjectContains("Invoice"), Ct)).Single().Id;
        }
        finally { Setup.Release(); }
    }

    private async Task<PortalSession> WebmailSessionAsync()
    {
        var session = new PortalSession(host.CreateClient());
        var response = await session.PostFormAsync("/webmail/login", "/webmail/login", new() { ["Email"] = $"carol@{Domain}", ["Password"] = WebmailHostFixture.Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/webmail", response.Headers.Location?.ToString());
        return session;
    }

    [Fact]
    public async Task HostileHtml_IsShownInert_NoScriptRuns_NothingRemoteLoads_UntilImagesAreAsked()
    {
        var uid = await HostileMessageUidAsync();
        var page = await WebmailJourneyTests.SignInAsync(host, $"carol@{Domain}");
        var requested = new List<string>();
        page.Request += (_, r) => { lock (requested) requested.Add(r.Url); };

        // The list shows the hostile subject and sender as text.
        var row = page.Locator($"tr.message-row[data-uid='{uid}']");
        await Expect(row.Locator("a.webmail-subject")).ToHaveTextAsync("<script>parent.pwned=9</script> Invoice");
        await Expect(row.Locator(".webmail-from")).ToHaveTextAsync("<img src=x onerror=parent.pwned=10>");

        await row.Locator("a.webmail-subject").ClickAsync();
        await Expect(page.Locator("#message-subject")).ToHaveTextAsync("<script>parent.pwned=9</script> Invoice");
        await Expect(page.Locator("a.attachment-link")).ToContainTextAsync("<svg onload=alert(1)>.html");
        var frameElement = page.Locator("#message-frame");
        Assert.Equal("allow-popups allow-popups-to-escape-sandbox", await frameElement.GetAttributeAsync("sandbox"));
        await Expect(page.FrameLocator("#message-frame").GetByText("safe link")).ToBeVisibleAsync();

        var frame = page.Frames.Single(f => f.Url.Contains("/webmail/message/body", StringComparison.Ordinal));
        var markup = await frame.Locator("body").InnerHTMLAsync();
        foreach (var bad in new[] { "<script", "onload", "onerror", "ontoggle", "<svg", "<form", "<input", "<meta", "<iframe", "<object", "<embed", "<base", "javascript:", "data:text", "evil.invalid", "tracker.invalid" })
            Assert.DoesNotContain(bad, markup, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Hello <b>friend</b>", markup);

        // No script ran anywhere: the flag every payload tries to set is still unset, and we are still here.
        Assert.True(await page.EvaluateAsync<bool>("() => window.pwned === undefined && top.pwned === undefined"));
        Assert.Contains("/webmail/message", page.Url);
        lock (requested)
            Assert.DoesNotContain(requested, u => u.Contains("tracker.invalid", StringComparison.Ordinal) || u.Contains("evil.invalid", StringComparison.Ordinal));

        // Asked for, the remote image loads (so the blocking above was what kept it out), and still nothing runs.
        var pixel = await page.RunAndWaitForRequestAsync(() => page.Locator("#show-images").ClickAsync(), "https://tracker.invalid/pixel.png");
        Assert.Equal("https://tracker.invalid/pixel.png", pixel.Url);
        await Expect(page.FrameLocator("#message-frame").GetByText("safe link")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.pwned === undefined"));
        lock (requested)
            Assert.DoesNotContain(requested, u => u.Contains("evil.invalid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MessageFrame_HasItsOwnStrictPolicy_AndAttachments_AreDownloadsThatAreNeverSniffed()
    {
        var uid = await HostileMessageUidAsync();
        using var session = await WebmailSessionAsync();

        var body = await session.Client.GetAsync($"/webmail/message/body?folder=INBOX&uid={uid}", Ct);
        Assert.Equal(HttpStatusCode.OK, body.StatusCode);
        var csp = string.Join(";", body.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("img-src data:;", csp);
        Assert.DoesNotContain("script-src", csp);
        Assert.Contains("frame-ancestors 'self'", csp);
        Assert.Matches("sandbox allow-popups allow-popups-to-escape-sandbox$", csp);
        Assert.Equal("SAMEORIGIN", body.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", body.Headers.GetValues("X-Content-Type-Options").Single());

        var page = await session.GetStringAsync($"/webmail/message?folder=INBOX&uid={uid}");
        var part = PartOf().Match(page).Groups[1].Value;
        var attachment = await session.Client.GetAsync($"/webmail/message/attachment?folder=INBOX&uid={uid}&part={part}", Ct);
        Assert.Equal(HttpStatusCode.OK, attachment.StatusCode);
        Assert.Equal("attachment", attachment.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("nosniff", attachment.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("<script>parent.pwned = 11</script>", await attachment.Content.ReadAsStringAsync(Ct));

        var source = await session.Client.GetAsync($"/webmail/message/source?folder=INBOX&uid={uid}", Ct);
        Assert.Equal("text/plain", source.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Subject: <script>parent.pwned=9</script> Invoice", await source.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task HeaderAndAttachmentStrings_AreEncoded_AndWebmailPages_HaveNoInlineCode()
    {
        var uid = await HostileMessageUidAsync();
        using var session = await WebmailSessionAsync();
        foreach (var path in new[] { "/webmail", $"/webmail/message?folder=INBOX&uid={uid}", $"/webmail/message?folder=INBOX&uid={uid}&text=true",
                     "/webmail/compose", $"/webmail/compose?mode=reply&folder=INBOX&uid={uid}", $"/webmail/compose?mode=forward&folder=INBOX&uid={uid}", "/webmail/list?folder=INBOX" })
        {
            var html = await session.GetStringAsync(path);
            Assert.DoesNotContain("<script>parent", html);
            Assert.DoesNotContain("<img src=x", html);
            Assert.DoesNotContain("<svg onload", html);
            // Parsed, not pattern-matched: encoded text such as "&lt;svg onload=" inside an attribute value is harmless.
            var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
            foreach (var element in document.All)
            {
                Assert.False(element.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase) || a.Name == "style"), $"{path}: {element.OuterHtml[..Math.Min(200, element.OuterHtml.Length)]}");
                Assert.DoesNotContain(element.Attributes, a => a.Value.TrimStart().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase));
            }
            foreach (var script in document.Scripts)
                Assert.True(script.Source is { Length: > 0 } && string.IsNullOrWhiteSpace(script.Text), $"{path}: inline script");
            foreach (var form in document.Forms.Where(f => f.Method.Equals("post", StringComparison.OrdinalIgnoreCase)))
                Assert.NotNull(form.QuerySelector("input[name=__RequestVerificationToken]"));
        }
        var message = await session.GetStringAsync($"/webmail/message?folder=INBOX&uid={uid}");
        Assert.Contains("&lt;script&gt;parent.pwned=9&lt;/script&gt; Invoice", message);
        Assert.Contains("&lt;svg onload=alert(1)&gt;.html", message);
    }

    [Fact]
    public async Task EveryWebmailChange_WithoutTheAntiforgeryToken_IsRefused_AndChangesNothing()
    {
        var uid = await HostileMessageUidAsync();
        using var session = await WebmailSessionAsync();
        var attempts = new (string Path, Dictionary<string, string> Fields)[]
        {
            ("/webmail/messages", new() { ["Folder"] = "INBOX", ["Uids"] = uid.ToString(), ["Action"] = "Delete" }),
            ("/webmail/trash/empty", new()),
            ("/webmail/folders/create", new() { ["Name"] = "Forged" }),
            ("/webmail/folders/rename", new() { ["Path"] = "Forged", ["Name"] = "Forged2" }),
            ("/webmail/folders/delete", new() { ["Path"] = "Forged" }),
            ("/webmail/compose", new() { ["From"] = $"carol@{Domain}", ["To"] = $"carol@{Domain}", ["Subject"] = "forged", ["Intent"] = "send" }),
            ("/webmail/logout", new()),
        };
        foreach (var (path, fields) in attempts)
        {
            var response = await session.Client.PostAsync(path, new FormUrlEncodedContent(fields), Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} without a token answered {response.StatusCode}");
        }
        using var imap = await host.ImapAsync($"carol@{Domain}");
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        Assert.Single(await imap.Inbox.SearchAsync(SearchQuery.Uids([new UniqueId(uid)]), Ct));
        Assert.Empty(await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("forged"), Ct));
    }

    [GeneratedRegex("part=([0-9.]+)\"")]
    private static partial Regex PartOf();

}
