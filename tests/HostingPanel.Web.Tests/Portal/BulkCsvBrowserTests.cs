using System.Text;
using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>The domain's "Import and export" page in Chromium: upload, dry-run table, confirm, export download.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BulkCsvBrowserTests(BrowserFixture host) : BrowserTest, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Customer_UploadsCsv_SeesTheDryRun_ConfirmsIt_AndDownloadsTheExport()
    {
        var tag = Api.Api.Unique("csv");
        var domain = $"{tag}.example";
        var email = $"{tag}@customers.example";
        using (var admin = host.CreateAdminApiClient())
        {
            var customer = await Api.Api.CreatedAsync(admin, "/api/v1/customers", new
            {
                name = "CSV Customer", email, password = ApiHostFixture.Password, limits = new { maxDomains = 1, maxMailboxes = 2, diskQuotaMb = 1000 },
            });
            await Api.Api.CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        }

        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(ApiHostFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });

        await page.GotoAsync($"/domains/{domain}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Import and export" }).ClickAsync();
        var csv = $"""
            address,name,quotaMb,password,passwordHash,imap,pop3,forwardTo
            anna@{domain},Anna,100,correct-horse-battery,,,,
            bert@{domain},<b>Bert</b>,100,correct-horse-battery,,,,
            carl@{domain},Carl,100,correct-horse-battery,,,,
            """;
        await page.Locator("#file").SetInputFilesAsync(new FilePayload { Name = "mailboxes.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await page.Locator("#dry-run").ClickAsync();

        await Assertions.Expect(page.Locator("#result-title")).ToHaveTextAsync("What the import would do");
        await Assertions.Expect(page.Locator("tr[data-line='2']")).ToHaveAttributeAsync("data-action", "create");
        await Assertions.Expect(page.Locator("tr[data-line='3']")).ToHaveAttributeAsync("data-action", "create");
        // The plan has two mailboxes.
        await Assertions.Expect(page.Locator("tr[data-line='4']")).ToHaveAttributeAsync("data-action", "refuse");
        await Assertions.Expect(page.Locator("tr[data-line='4']")).ToContainTextAsync("The plan allows 2 mailboxes");
        // A name from the file is shown as text, never as markup.
        await Assertions.Expect(page.Locator("tr[data-line='3'] b")).ToHaveCountAsync(0);

        // Nothing written yet.
        using (var admin = host.CreateAdminApiClient())
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/domains/{domain}/mailboxes/anna", TestContext.Current.CancellationToken)).StatusCode);

        await page.Locator("#apply").ClickAsync();
        await Assertions.Expect(page.Locator("#result-title")).ToHaveTextAsync("What the import did");
        await Assertions.Expect(page.Locator("tr[data-line='2']")).ToHaveAttributeAsync("data-action", "create");
        await Assertions.Expect(page.Locator("#apply")).ToHaveCountAsync(0);
        using (var admin = host.CreateAdminApiClient())
        {
            var anna = await Api.Api.GetAsync(admin, $"/api/v1/domains/{domain}/mailboxes/anna");
            Assert.Equal("Anna", anna["displayName"]!.GetValue<string>());
            Assert.Equal("<b>Bert</b>", (await Api.Api.GetAsync(admin, $"/api/v1/domains/{domain}/mailboxes/bert"))["displayName"]!.GetValue<string>());
        }

        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#export-mailboxes").ClickAsync());
        var path = await download.PathAsync();
        var exported = await File.ReadAllTextAsync(path!, TestContext.Current.CancellationToken);
        Assert.StartsWith("address,name,quotaMb,password,passwordHash,imap,pop3,forwardTo\r\n", exported);
        Assert.Contains($"anna@{domain},Anna,100,,,true,true,", exported);
    }
}
