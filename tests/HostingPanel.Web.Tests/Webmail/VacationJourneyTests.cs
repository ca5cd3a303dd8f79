using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.Web.Tests.Portal;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Search;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// Issue 21's journey in Chromium against the real engine: olga sets an out-of-office reply and a rule in
/// the browser; pete writes to her over SMTP and the reply arrives in his inbox; the API shows the reply
/// and switches it off; another customer's key sees nothing (404).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class VacationJourneyTests(WebmailHostFixture host) : Portal.BrowserTest, IClassFixture<WebmailHostFixture>
{
    private const string Domain = "vacation.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task SendAsync(string from, string to, string subject)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", host.Port("smtp"), MailKit.Security.SecureSocketOptions.None, Ct);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "Hello Olga." };
        await smtp.SendAsync(message, Ct);
        await smtp.DisconnectAsync(true, Ct);
    }

    [Fact]
    public async Task Olga_SetsAnOutOfOffice_PeteWrites_TheReplyArrives_TheApiSwitchesItOff()
    {
        await host.CreateDomainAsync(Domain, ["olga", "pete"]);
        await host.CreateDomainAsync("other-tenant.example", ["mallory"]);
        var olga = await WebmailJourneyTests.SignInAsync(host, $"olga@{Domain}");

        await olga.GetByRole(AriaRole.Link, new() { Name = "Filters" }).First.ClickAsync();
        await Expect(olga.Locator("h1")).ToHaveTextAsync("Filters and out-of-office");
        await olga.Locator("#VacationEnabled").CheckAsync();
        await olga.Locator("#VacationSubject").FillAsync("Olga is away");
        await olga.Locator("#VacationText").FillAsync("I am on holiday until Monday.\nPete knows everything.");
        await olga.Locator("[name='Rules[0].Field']").SelectOptionAsync("subject");
        await olga.Locator("[name='Rules[0].Value']").FillAsync("[report]");
        await olga.Locator("[name='Rules[0].Action']").SelectOptionAsync("move");
        await olga.Locator("[name='Rules[0].Target']").FillAsync("Reports");
        await olga.Locator("#save-filters").ClickAsync();
        await Expect(olga.Locator(".alert-success")).ToContainTextAsync("were saved");
        await Expect(olga.Locator("#vacation-active")).ToBeVisibleAsync();
        await Expect(olga.Locator("#script")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("vacation :days 7 :subject \"Olga is away\""));

        // A broken raw script is refused with its line; the forms' script stays active.
        await olga.Locator("#script").FillAsync("require \"fileinto\";\nfileinto \"x\"\n");
        await olga.Locator("#check-script").ClickAsync();
        await Expect(olga.Locator("#script-error")).ToContainTextAsync("line 3:");

        await SendAsync($"pete@{Domain}", $"olga@{Domain}", "Lunch on Friday?");
        await SendAsync($"pete@{Domain}", $"olga@{Domain}", "[report] numbers");
        var pete = await WebmailJourneyTests.SignInAsync(host, $"pete@{Domain}");
        await Expect(pete.Locator("a.webmail-subject", new() { HasText = "Olga is away" })).ToBeVisibleAsync();
        using (var imap = await host.ImapAsync($"olga@{Domain}"))
        {
            var reports = await imap.GetFolderAsync("Reports", Ct);
            await reports.OpenAsync(FolderAccess.ReadOnly, Ct);
            Assert.Equal(1, reports.Count);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
            Assert.Single(await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("Lunch"), Ct));
        }
        // One reply per sender: the second message got none.
        using (var imap = await host.ImapAsync($"pete@{Domain}"))
        {
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
            Assert.Single(await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("Olga is away"), Ct));
        }

        var api = host.CreateAdminApiClient();
        var path = $"/api/v1/domains/{Domain}/mailboxes/olga/vacation";
        var vacation = await api.GetFromJsonAsync<JsonElement>(path, Ct);
        Assert.True(vacation.GetProperty("enabled").GetBoolean());
        Assert.True(vacation.GetProperty("active").GetBoolean());
        Assert.Equal("Olga is away", vacation.GetProperty("subject").GetString());

        var created = await api.PostAsJsonAsync("/api/v1/apikeys", new { name = "mallory's", userEmail = "owner@other-tenant.example" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var otherKey = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("key").GetString();
        var other = host.CreateClient(otherKey);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(path, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.DeleteAsync(path, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync(path, Ct)).StatusCode);
        vacation = await api.GetFromJsonAsync<JsonElement>(path, Ct);
        Assert.False(vacation.GetProperty("enabled").GetBoolean());
        Assert.False(vacation.GetProperty("active").GetBoolean());
        await olga.ReloadAsync();
        await Expect(olga.Locator("#vacation-active")).ToHaveCountAsync(0);
        await Expect(olga.Locator("#VacationEnabled")).Not.ToBeCheckedAsync();
        await Expect(olga.Locator("[name='Rules[0].Value']")).ToHaveValueAsync("[report]");
    }
}
