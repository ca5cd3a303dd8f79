using HostingPanel.Web.Tests.Portal;
using HostingPanel.Web.Tests.Webmail;
using MailKit;
using MailKit.Search;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 20.6 in Chromium: a mailbox owner whose browser speaks Malay signs in, is refused in Malay, chooses Bahasa
/// Melayu and Kuala Lumpur time on its own page, reads webmail with Malay buttons and times at +08:00, keeps Malay in an
/// English browser, and gets its reset mail (read here over IMAP) in Malay.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MalayJourneyTests(WebmailHostFixture host) : BrowserTest, IClassFixture<WebmailHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<IPage> PageInAsync(string locale)
    {
        var browser = await host.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseAddress.ToString().TrimEnd('/'), Locale = locale });
        context.SetDefaultTimeout(45_000);
        context.SetDefaultNavigationTimeout(45_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        return BrowserFixture.Track(await context.NewPageAsync());
    }

    private static async Task SignInInMalayAsync(IPage page, string address, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mel atau alamat peti mel").FillAsync(address);
        await page.GetByLabel("Kata laluan", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log masuk" }).ClickAsync();
    }

    [Fact]
    public async Task MailboxOwner_InMalay_SignsIn_ChoosesMalayAndKualaLumpurTime_ReadsWebmail_AndGetsTheResetMailInMalay()
    {
        const string domain = "bahasa.example";
        var siti = $"siti@{domain}";
        await host.CreateDomainAsync(domain, ["siti"]);
        using (var imap = await host.ImapAsync(siti))
        {
            var note = new MimeKit.MimeMessage();
            note.From.Add(MimeKit.MailboxAddress.Parse("kawan@elsewhere.example"));
            note.To.Add(MimeKit.MailboxAddress.Parse(siti));
            note.Subject = "Jumpa esok";
            note.Date = new DateTimeOffset(2026, 12, 1, 2, 30, 0, TimeSpan.Zero);
            note.Body = new MimeKit.TextPart("plain") { Text = "Jumpa di kedai kopi." };
            await imap.Inbox.AppendAsync(note, MessageFlags.None, Ct);
        }

        var page = await PageInAsync("ms-MY");
        await page.GotoAsync("/account/login");
        await Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "ms");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Lupa kata laluan?" })).ToBeVisibleAsync();

        // A wrong password is refused in Malay; a missing one by the validator, in Malay too.
        await SignInInMalayAsync(page, siti, "bukan-kata-laluan");
        await Expect(page.Locator(".alert-danger")).ToContainTextAsync("E-mel atau kata laluan tidak betul.");
        await page.GetByLabel("E-mel atau alamat peti mel").FillAsync(siti);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log masuk" }).ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='Password']")).ToContainTextAsync("Masukkan kata laluan anda.");

        await SignInInMalayAsync(page, siti, WebmailHostFixture.Password);
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Peti mel saya" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log keluar" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Utama" })).ToContainTextAsync("Pemilik peti mel");

        // Its own page: Bahasa Melayu and Kuala Lumpur; the list offers nothing else, and "Simpan" keeps it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Keselamatan" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bahasa dan zon waktu" })).ToBeVisibleAsync();
        await page.GetByLabel("Bahasa", new() { Exact = true }).SelectOptionAsync("ms");
        await page.GetByLabel("Zon waktu").SelectOptionAsync("Asia/Kuala_Lumpur");
        await page.Locator("#save-preferences").ClickAsync();
        await Expect(page.Locator(".alert-success")).ToContainTextAsync("Bahasa dan zon waktu anda telah disimpan.");
        await Expect(page.Locator("#sessions")).ToContainTextAsync("+08:00");

        // Webmail speaks Malay and shows the mail's time in Kuala Lumpur: 02:30 UTC is 10:30 there.
        await page.GotoAsync("/webmail");
        // (Until webmail shares the portal's sign-in, it asks for the mailbox password once more, in Malay.)
        if (page.Url.Contains("/webmail/login"))
        {
            await page.GetByLabel("Alamat mel").FillAsync(siti);
            await page.GetByLabel("Kata laluan peti mel").FillAsync(WebmailHostFixture.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Log masuk" }).ClickAsync();
        }
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Tulis" })).ToBeVisibleAsync();
        var row = page.Locator("tr", new() { HasText = "Jumpa esok" });
        await Expect(row).ToContainTextAsync("2026-12-01 10:30 +08:00");
        await row.GetByRole(AriaRole.Link, new() { Name = "Jumpa esok" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Balas", Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("dl")).ToContainTextAsync("Tarikh");

        // Its choice wins over an English browser.
        var english = await PageInAsync("en-US");
        await english.GotoAsync("/account/login");
        await Expect(english.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await english.GetByLabel("Email or mailbox address").FillAsync(siti);
        await english.GetByLabel("Password").FillAsync(WebmailHostFixture.Password);
        await english.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await english.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });
        await Expect(english.GetByRole(AriaRole.Link, new() { Name = "Peti mel saya" })).ToBeVisibleAsync();

        // "Lupa kata laluan?": the mail that arrives is in Malay, whatever language the asker's browser speaks.
        var anonymous = await PageInAsync("en-US");
        await anonymous.GotoAsync("/account/forgot-password");
        await anonymous.GetByLabel("Email or mailbox address").FillAsync(siti);
        await anonymous.GetByRole(AriaRole.Button, new() { Name = "Send me a link" }).ClickAsync();
        MimeKit.MimeMessage? mail = null;
        await WebmailHostFixture.EventuallyAsync(async () =>
        {
            using var imap = await host.ImapAsync(siti);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
            var uids = await imap.Inbox.SearchAsync(SearchQuery.SubjectContains("Tetapkan semula kata laluan anda"), Ct);
            if (uids.Count == 0) return false;
            mail = await imap.Inbox.GetMessageAsync(uids[^1], Ct);
            return true;
        }, TimeSpan.FromSeconds(60), "the reset mail in Malay");
        Assert.Equal("ms", mail!.Body!.Headers[MimeKit.HeaderId.ContentLanguage]);
        Assert.Contains("Buka pautan ini dalam masa 30 minit", mail.TextBody);
        Assert.Equal("Sistem mel", mail.From.Mailboxes.Single().Name);
    }
}
