using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Security;

/// <summary>In a real browser: pages showing hostile names run none of them (no dialog, no script effect).</summary>
[Collection(BrowserCollection.Name)]
public sealed class OutputEncodingBrowserTests(BrowserFixture host) : BrowserTest, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task PagesWithHostileNames_RunNoScript()
    {
        using var admin = host.CreateAdminApiClient();
        var hostile = await HostileStrings.PlantAsync(admin);
        var page = await host.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync(PanelHostFixture.AdminEmail);
        await page.GetByLabel("Password").FillAsync(PanelHostFixture.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Commit, not load: the redirect chain after sign-in can finish before Playwright watches for "load" (it then waits forever).
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });

        foreach (var path in new[] { $"/customers?q={hostile.Tag}", $"/domains/{hostile.Domain}", $"/domains/{hostile.Domain}/mailboxes/{hostile.Mailbox}", $"/audit?EntityKey={hostile.Tag}" })
        {
            await page.GotoAsync(path);
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            // The planted text is on the page as text, and did nothing.
            Assert.Contains(hostile.Tag, await page.Locator("main").InnerTextAsync());
            Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"), $"a planted script ran on {path}");
        }
        Assert.Empty(dialogs);
    }

    /// <summary>What BrowserTest saves when a test fails: a real PNG of the page and its HTML.</summary>
    [Fact]
    public async Task FailureArtifacts_AreAScreenshotAndTheHtml()
    {
        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        var files = await FailureArtifacts.SaveAsync([page], "FailureArtifacts self-test");
        var png = Assert.Single(files, f => f.EndsWith(".png", StringComparison.Ordinal));
        Assert.Equal(Path.Combine(FailureArtifacts.Directory, "FailureArtifacts_self-test.png"), png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await File.ReadAllBytesAsync(png, TestContext.Current.CancellationToken))[..4]);
        var html = await File.ReadAllTextAsync(Assert.Single(files, f => f.EndsWith(".html", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
        Assert.Contains("/account/login", html);
        Assert.Contains("Sign in", html);
        foreach (var f in files) File.Delete(f);
    }
}
