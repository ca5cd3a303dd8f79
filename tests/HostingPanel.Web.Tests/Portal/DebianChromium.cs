using HostingPanel.Testing;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Debian's Chromium, launched headless and offline (never `playwright install`: no download site is reachable).</summary>
public static class DebianChromium
{
    /// <summary>Skips (or fails under CI) when Chromium is absent.</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = TestEnvironment.RequireChromium(),
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
}
