using HostingPanel.Testing;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>
/// One Chromium per test class (Debian's, launched offline; never `playwright install`) and one panel host;
/// each test opens its own browser contexts.
/// </summary>
public sealed class BrowserFixture : Infrastructure.PanelHostFixture, IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser, launched on first use; skips (or fails under CI) when Chromium is absent.</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        if (_browser is not null) return _browser;
        _playwright = await Playwright.CreateAsync();
        _browser = await DebianChromium.LaunchAsync(_playwright);
        return _browser;
    }

    private static readonly List<IPage> _opened = [];

    /// <summary>The pages opened since the last call, by any browser fixture: one test's pages, as browser tests run one at a time.</summary>
    public static IReadOnlyList<IPage> TakeOpenedPages()
    {
        lock (_opened)
        {
            var pages = _opened.ToList();
            _opened.Clear();
            return pages;
        }
    }

    public async Task<IPage> NewPageAsync()
    {
        var browser = await BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString().TrimEnd('/') });
        // Generous: the test machine is shared, and other test classes hash Argon2 passwords in parallel
        // (a journey once waited over 30 s for a sign-in at load 17); every wait is for a condition.
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(45_000);
        return Track(await context.NewPageAsync());
    }

    /// <summary>Registers a page opened elsewhere (another fixture's browser), so a failing test saves its screenshot too.</summary>
    public static IPage Track(IPage page)
    {
        lock (_opened) _opened.Add(page);
        return page;
    }

    public new async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>Browser test classes share this collection so they run one after another, not in parallel.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection
{
    public const string Name = "Browser";
}
