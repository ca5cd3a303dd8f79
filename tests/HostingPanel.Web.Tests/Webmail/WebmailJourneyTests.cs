using System.Text;
using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Portal;
using MailKit;
using MailKit.Search;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// Issue 11's journey in Chromium against the real engine: adam writes to support@ (an alias to adam and
/// betty) with an attachment; betty sees it arrive without reloading, opens it, downloads the attachment
/// and replies; adam sees the reply threaded under his message; both Sent folders hold their copies.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebmailJourneyTests(WebmailHostFixture host) : Portal.BrowserTest, IClassFixture<WebmailHostFixture>
{
    private const string Domain = "journey.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<IPage> SignInAsync(WebmailHostFixture host, string address)
    {
        var page = await host.NewPageAsync();
        await page.GotoAsync("/webmail/login");
        await page.Locator("#Email").FillAsync(address);
        await page.Locator("#Password").FillAsync(WebmailHostFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#folder-heading")).ToHaveTextAsync("Inbox");
        return page;
    }

    private static ILocator Row(IPage page, string subject) =>
        page.Locator("tr.message-row").Filter(new() { Has = page.Locator("a.webmail-subject", new() { HasTextRegex = new Regex("^(↳ )?" + Regex.Escape(subject) + "$") }) });

    [Fact]
    public async Task Adam_WritesToSupport_BettySeesItLive_DownloadsAttachment_Replies_AdamSeesThread_BothSentFoldersHoldCopies()
    {
        await host.CreateDomainAsync(Domain, ["adam", "betty"], ("support", ["adam", "betty"]));
        var adam = await SignInAsync(host, $"adam@{Domain}");
        var betty = await SignInAsync(host, $"betty@{Domain}");
        // Betty's page is watching (its event stream is open); a marker on window shows it is never reloaded.
        await Expect(betty.Locator("#webmail")).ToHaveAttributeAsync("data-watching", "true");
        await betty.EvaluateAsync("() => { window.__sameDocument = true; }");

        // adam writes to support@ with an attachment
        await adam.GetByRole(AriaRole.Link, new() { Name = "Write" }).ClickAsync();
        await adam.Locator("#To").FillAsync($"support@{Domain}");
        await adam.Locator("#Subject").FillAsync("Quarterly report");
        await adam.Locator("#Body").FillAsync("Hello support,\nthe report is attached.");
        var attachment = Encoding.UTF8.GetBytes("revenue,42\ncosts,17\n");
        await adam.Locator("#Attachments").SetInputFilesAsync(new FilePayload { Name = "report.csv", MimeType = "text/csv", Buffer = attachment });
        await adam.Locator("#send").ClickAsync();
        await Expect(adam.Locator(".alert-success")).ToContainTextAsync("Message sent.");

        // betty sees it arrive without a reload, unread, with the attachment mark
        var row = Row(betty, "Quarterly report");
        await Expect(row).ToBeVisibleAsync();
        Assert.True(await betty.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the list was refreshed by reloading the page");
        await Expect(row).ToHaveAttributeAsync("data-seen", "false");
        await Expect(row.Locator("[aria-label='Has attachments']")).ToBeVisibleAsync();
        await Expect(betty.Locator("[data-role=inbox] [data-unread]")).ToHaveTextAsync("1");

        // she opens it and downloads the attachment
        await row.Locator("a.webmail-subject").ClickAsync();
        await Expect(betty.Locator("#message-subject")).ToHaveTextAsync("Quarterly report");
        await Expect(betty.Locator("#message-from")).ToContainTextAsync($"adam@{Domain}");
        await Expect(betty.Locator("#message-text")).ToContainTextAsync("the report is attached.");
        var download = await betty.RunAndWaitForDownloadAsync(() => betty.Locator("a.attachment-link", new() { HasText = "report.csv" }).ClickAsync());
        Assert.Equal("report.csv", download.SuggestedFilename);
        var path = await download.PathAsync();
        Assert.Equal(attachment, await File.ReadAllBytesAsync(path, Ct));

        // and replies
        await betty.Locator("#reply").ClickAsync();
        await Expect(betty.Locator("#To")).ToHaveValueAsync(new Regex(Regex.Escape($"adam@{Domain}")));
        await Expect(betty.Locator("#Subject")).ToHaveValueAsync("Re: Quarterly report");
        await Expect(betty.Locator("#Body")).ToHaveValueAsync(new Regex("> the report is attached."));
        await betty.Locator("#Body").PressAsync("Control+Home");
        await betty.Locator("#Body").PressSequentiallyAsync("Thanks, got it.");
        await betty.Locator("#send").ClickAsync();
        await Expect(betty.Locator(".alert-success")).ToContainTextAsync("Message sent.");

        // adam sees the reply threaded under his own message (which reached him through support@ too)
        await adam.GotoAsync("/webmail?folder=INBOX&thread=true");
        var reply = Row(adam, "Re: Quarterly report");
        await Expect(reply).ToHaveAttributeAsync("data-depth", "1");
        await Expect(Row(adam, "Quarterly report")).ToHaveAttributeAsync("data-depth", "0");
        var subjects = await adam.Locator("tr.message-row a.webmail-subject").AllTextContentsAsync();
        Assert.Equal(["Quarterly report", "↳ Re: Quarterly report"], subjects.Select(s => s.Trim()).ToArray());

        // both Sent folders hold their copies
        await adam.Locator("[data-role=sent]").First.ClickAsync();
        await Expect(Row(adam, "Quarterly report")).ToBeVisibleAsync();
        await betty.Locator("[data-role=sent]").First.ClickAsync();
        await Expect(Row(betty, "Re: Quarterly report")).ToBeVisibleAsync();

        // and an outside IMAP client agrees: the original is marked answered in betty's inbox
        using var imap = await host.ImapAsync($"betty@{Domain}");
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var answered = await imap.Inbox.SearchAsync(SearchQuery.Answered.And(SearchQuery.SubjectContains("Quarterly report")), Ct);
        Assert.Single(answered);
    }
}
