using HostingPanel.Web.Tests.Portal;
using MailKit;
using MailKit.Search;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// What a reader sees and types in Chromium: a newsletter's own style sheet colours its text inside the
/// sandboxed frame (without loading anything remote), and address completion works on the address being
/// typed after the last comma, keeping the ones before it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebmailBrowserRenderingTests(WebmailHostFixture host) : Portal.BrowserTest, IClassFixture<WebmailHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NewslettersStyleSheet_ColoursItsText_InsideTheFrame_AndLoadsNothingRemote()
    {
        const string domain = "styled.example";
        await host.CreateDomainAsync(domain, ["nina"]);
        var newsletter = new MimeMessage();
        newsletter.From.Add(new MailboxAddress("News", "news@letters.example"));
        newsletter.To.Add(new MailboxAddress("", $"nina@{domain}"));
        newsletter.Subject = "Weekly news";
        newsletter.Body = new BodyBuilder
        {
            HtmlBody = """
                <html><head><style>
                .headline { color: rgb(0, 128, 0); font-weight: bold }
                @media screen { td.price { background-color: #ffeeaa } }
                body { background-image: url(https://tracker.invalid/style-pixel.png) }
                </style></head>
                <body><p class="headline">Green news</p><table><tr><td class="price">12 EUR</td></tr></table><p>Plain text</p></body></html>
                """,
            TextBody = "Green news",
        }.ToMessageBody();
        uint uid;
        using (var imap = await host.ImapAsync($"nina@{domain}"))
        {
            await imap.Inbox.AppendAsync(new AppendRequest(newsletter), Ct);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
            uid = (await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("Weekly news"), Ct)).Single().Id;
        }

        var page = await WebmailJourneyTests.SignInAsync(host, $"nina@{domain}");
        var requested = new List<string>();
        page.Request += (_, r) => { lock (requested) requested.Add(r.Url); };
        await page.GotoAsync($"/webmail/message?folder=INBOX&uid={uid}");
        var frame = page.FrameLocator("#message-frame");
        await Expect(frame.Locator("p.headline")).ToHaveCSSAsync("color", "rgb(0, 128, 0)");
        await Expect(frame.Locator("p.headline")).ToHaveCSSAsync("font-weight", "700");
        await Expect(frame.Locator("td.price")).ToHaveCSSAsync("background-color", "rgb(255, 238, 170)");
        // The rules apply only where they select: the unstyled paragraph keeps the default colour.
        await Expect(frame.Locator("p", new() { HasText = "Plain text" })).ToHaveCSSAsync("color", "rgb(0, 0, 0)");
        lock (requested)
            Assert.DoesNotContain(requested, u => u.Contains("tracker.invalid", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddressCompletion_CompletesTheAddressAfterTheLastComma_AndKeepsTheEarlierOnes()
    {
        const string domain = "complete.example";
        await host.CreateDomainAsync(domain, ["adam", "betty", "bert"]);
        // adam has heard from betty and bert, so both are recent correspondents starting with "be".
        using (var imap = await host.ImapAsync($"adam@{domain}"))
            foreach (var (name, local) in new[] { ("Betty Example", "betty"), ("Bert Example", "bert") })
            {
                var m = new MimeMessage();
                m.From.Add(new MailboxAddress(name, $"{local}@{domain}"));
                m.To.Add(new MailboxAddress("", $"adam@{domain}"));
                m.Subject = $"Hello from {name}";
                m.Body = new TextPart("plain") { Text = "hi" };
                await imap.Inbox.AppendAsync(new AppendRequest(m), Ct);
            }

        var page = await WebmailJourneyTests.SignInAsync(host, $"adam@{domain}");
        await page.GotoAsync("/webmail/compose");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        var to = page.Locator("#To");
        await to.PressSequentiallyAsync("adam@example.com, be");
        var toOptions = page.Locator("#To-suggestions [role=option]");
        await Expect(toOptions).ToHaveCountAsync(2);
        await toOptions.Filter(new() { HasText = $"betty@{domain}" }).ClickAsync();
        await Expect(to).ToHaveValueAsync($"adam@example.com, \"Betty Example\" <betty@{domain}>, ");
        await Expect(page.Locator("#To-suggestions")).ToBeHiddenAsync();

        // With the keyboard in Cc: the match for what follows the comma, chosen with Enter (which must not send the form).
        var cc = page.Locator("#Cc");
        await cc.PressSequentiallyAsync("\"Doe, Jane\" <jane@example.org>, BER");
        await Expect(page.Locator("#Cc-suggestions [role=option]")).ToHaveCountAsync(1);
        await cc.PressAsync("ArrowDown");
        await cc.PressAsync("Enter");
        await Expect(cc).ToHaveValueAsync($"\"Doe, Jane\" <jane@example.org>, \"Bert Example\" <bert@{domain}>, ");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "Enter sent the form instead of choosing");

        // The completed fields are what the server accepts: saved as a draft, both lists hold every address.
        await page.Locator("#Subject").FillAsync("Completed");
        await page.Locator("#save-draft").ClickAsync();
        await Expect(page.Locator(".alert-success")).ToBeVisibleAsync();
        using var client = await host.ImapAsync($"adam@{domain}");
        var drafts = client.GetFolder(SpecialFolder.Drafts) ?? await client.GetFolderAsync("Drafts", Ct);
        await drafts.OpenAsync(FolderAccess.ReadOnly, Ct);
        var draft = await drafts.GetMessageAsync((await drafts.SearchAsync(SearchQuery.SubjectContains("Completed"), Ct)).Single(), Ct);
        Assert.Equal(["adam@example.com", $"betty@{domain}"], draft.To.Mailboxes.Select(m => m.Address).ToArray());
        Assert.Equal(["jane@example.org", $"bert@{domain}"], draft.Cc.Mailboxes.Select(m => m.Address).ToArray());
        Assert.Equal("Doe, Jane", draft.Cc.Mailboxes.First().Name);
    }
}
