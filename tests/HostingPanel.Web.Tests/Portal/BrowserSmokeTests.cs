namespace HostingPanel.Web.Tests.Portal;

public sealed class BrowserSmokeTests(BrowserFixture host) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Chromium_OpensTheLoginPage()
    {
        var page = await host.NewPageAsync();
        await page.GotoAsync("/account/login");
        Assert.Equal("Sign in · HostingPanel", await page.TitleAsync());
        await page.Context.CloseAsync();
    }
}
