using System.Text;
using System.Text.RegularExpressions;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using MailStore = HostingPanel.MailEngine.Storage.MailStore;
using HostingPanel.Provisioning;
using HostingPanel.Web.Tests.Portal;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// Issue 19 item 3 in Chromium against the real engine: kim's mailbox is filled through SMTP until mail is
/// refused; webmail says so and since when; she deletes through webmail, her other mail program (an IMAP
/// client that COPYs to Trash, then expunges) deletes too although the mailbox is full; emptying Trash gives
/// the space back; the 100 % notice is in her inbox and in the customer's mail.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FullMailboxJourneyTests(WebmailHostFixture host) : BrowserTest, IClassFixture<WebmailHostFixture>
{
    private const string Domain = "fulljourney.example";
    private const string Contact = "billing@customer-contact.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ILocator Row(IPage page, string subject) =>
        page.Locator("tr.message-row").Filter(new() { Has = page.Locator("a.webmail-subject", new() { HasTextRegex = new Regex("^" + Regex.Escape(subject) + "$") }) });

    [Fact]
    public async Task FullMailbox_RefusesMail_SaysSo_StillDeletesThroughWebmailAndImapCopy_SpaceReturns_NoticesArrive()
    {
        // The customer's contact address is outside: a portal login can never be a hosted address (issue 16.8).
        await host.CreateDomainAsync(Domain, Contact, []);
        await host.AddMailboxAsync(Domain, "kim", quotaMb: 1);
        var kim = $"kim@{Domain}";

        // Filled through SMTP (the MX port) until the server refuses.
        var refused = "";
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", host.Port("smtp"), SecureSocketOptions.None, Ct);
            for (var i = 1; i <= 6 && refused.Length == 0; i++)
            {
                try { await smtp.SendAsync(Message(kim, $"Holiday photos {i}", 280_000), Ct); }
                catch (SmtpCommandException e) { refused = $"{(int)e.StatusCode} {e.Message}"; }
            }
            await smtp.DisconnectAsync(true, Ct);
        }
        Assert.Matches("^(452|552) ", refused);

        // The last bytes exactly, so that the mailbox is at 100 % (SMTP adds a trace header of its own size).
        var account = (await host.App.Services.GetRequiredService<MailDirectory>().FindMailboxAsync(kim, Ct))!;
        var store = host.App.Services.GetRequiredService<MailStore>();
        for (var attempt = 0; ; attempt++)
        {
            var left = 1024 * 1024 - (await store.GetQuotaAsync(account.Id, Ct))!.UsedBytes;
            if (left <= 0 || (await host.App.Services.GetRequiredService<MailDelivery>().DeliverAsync(Raw(kim, (int)left), [account.Id], ct: Ct))[0].Status == DeliveryStatus.Delivered) break;
            Assert.True(attempt < 5, "could not fill the mailbox to exactly its quota");
        }
        await host.App.Services.GetRequiredService<UsageSync>().SyncAsync(Ct);

        // Webmail says plainly that new mail is refused, and since when; the notice is in the inbox.
        var page = await WebmailJourneyTests.SignInAsync(host, kim);
        await Expect(page.Locator("#webmail-refused")).ToContainTextAsync("New mail is being refused");
        await Expect(page.Locator("#webmail-refused")).ToContainTextAsync(new Regex(@"since \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC"));
        await Expect(Row(page, "Your mailbox is full")).ToBeVisibleAsync();
        await Expect(page.Locator("#webmail-quota")).ToContainTextAsync(new Regex(@"\(10\d %\)"));

        // Delete through webmail: one message goes to Trash (a move: no extra room needed).
        await Row(page, "Holiday photos 1").Locator("input.message-check").CheckAsync();
        await page.Locator("#message-form button[value=Delete]").ClickAsync();
        await Expect(page.Locator(".alert-success")).ToContainTextAsync("moved to Trash");

        // Her other mail program deletes the way many do: COPY to Trash, flag \Deleted, EXPUNGE. In a full mailbox.
        using (var imap = await host.ImapAsync(kim))
        {
            var inbox = imap.Inbox;
            await inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
            var uids = await inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains("Holiday photos 2"), Ct);
            var trash = await imap.GetFolderAsync("Trash", Ct);
            // MailKit's CopyTo is a plain UID COPY (never MOVE).
            var copied = await inbox.CopyToAsync(uids, trash, Ct);
            Assert.Single(copied.Destination);
            await inbox.AddFlagsAsync(uids, MessageFlags.Deleted, true, Ct);
            await inbox.ExpungeAsync(uids, Ct);
            await imap.DisconnectAsync(true, Ct);
        }

        // Emptying Trash gives the space back; the refusal notice is gone.
        await page.GotoAsync("/webmail?folder=Trash");
        await Expect(Row(page, "Holiday photos 1")).ToBeVisibleAsync();
        await Expect(Row(page, "Holiday photos 2")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Empty Trash" }).ClickAsync();
        await Expect(page.Locator(".alert-success")).ToContainTextAsync("Trash emptied");
        await Expect(page.Locator("#webmail-refused")).ToHaveCountAsync(0);
        var used = (await store.GetQuotaAsync(account.Id, Ct))!.UsedBytes;
        Assert.True(used < 1024 * 1024 - 500_000, $"usage after emptying Trash: {used}");

        // New mail is accepted again.
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", host.Port("smtp"), SecureSocketOptions.None, Ct);
            await smtp.SendAsync(Message(kim, "Room again", 1_000), Ct);
            await smtp.DisconnectAsync(true, Ct);
        }
        await page.GotoAsync("/webmail");
        await Expect(Row(page, "Room again")).ToBeVisibleAsync();

        // The customer's contact address (outside: a portal login is never a hosted address) gets its copy
        // of the notice through the outbound queue; not read back here.
    }

    private static MimeMessage Message(string to, string subject, int bytes)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("friend@elsewhere.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        var text = new StringBuilder();
        while (text.Length < bytes) text.Append("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n");
        message.Body = new TextPart("plain") { Text = text.ToString() };
        return message;
    }

    private static MemoryStream Raw(string to, int totalBytes)
    {
        var head = $"From: friend@elsewhere.example\r\nTo: {to}\r\nSubject: last bytes\r\n\r\n";
        var body = new string('x', Math.Max(0, totalBytes - head.Length));
        return new MemoryStream(Encoding.ASCII.GetBytes((head + body)[..Math.Max(head.Length, totalBytes)]));
    }
}
