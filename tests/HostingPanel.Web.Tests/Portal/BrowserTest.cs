using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>
/// Base of the browser test classes: when a test fails, every page it opened is saved as a screenshot and as HTML in
/// TestResults/screenshots/ at the repository root (named after the test), so a failure on CI shows what the browser showed.
/// </summary>
public abstract class BrowserTest : IAsyncLifetime
{
    public ValueTask InitializeAsync()
    {
        BrowserFixture.TakeOpenedPages(); // pages a previous test left open are not this test's
        return ValueTask.CompletedTask;
    }

    /// <summary>xunit v3 knows the test's result only here, after the test method has returned or thrown.</summary>
    public async ValueTask DisposeAsync()
    {
        var pages = BrowserFixture.TakeOpenedPages();
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
            await FailureArtifacts.SaveAsync(pages, TestContext.Current.Test?.TestDisplayName ?? "unknown-test");
        foreach (var page in pages)
            await page.Context.CloseAsync();
        GC.SuppressFinalize(this);
    }
}

public static class FailureArtifacts
{
    /// <summary>TestResults/screenshots at the repository root (beside CI's TestResults/ci), or under $HOSTINGPANEL_TEST_RESULTS.</summary>
    public static string Directory => Path.Combine(Environment.GetEnvironmentVariable("HOSTINGPANEL_TEST_RESULTS") ?? Path.Combine(RepositoryRoot(), "TestResults"), "screenshots");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HostingPanel.sln"))) return dir.FullName;
        return System.IO.Directory.GetCurrentDirectory();
    }

    /// <summary>Saves &lt;test&gt;.png and &lt;test&gt;.html (a suffix per further page); returns the files written.</summary>
    public static async Task<IReadOnlyList<string>> SaveAsync(IReadOnlyList<IPage> pages, string testName)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var stem = string.Concat(testName.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
        if (stem.Length > 150) stem = stem[..150];
        var written = new List<string>();
        for (var i = 0; i < pages.Count; i++)
        {
            var page = pages[i];
            if (page.IsClosed) continue;
            var name = i == 0 ? stem : $"{stem}-{i + 1}";
            try
            {
                var png = Path.Combine(Directory, name + ".png");
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = png, FullPage = true, Timeout = 10_000 });
                written.Add(png);
                var html = Path.Combine(Directory, name + ".html");
                await File.WriteAllTextAsync(html, $"<!-- {page.Url} -->\n" + await page.ContentAsync());
                written.Add(html);
            }
            catch (PlaywrightException e)
            {
                // The failure being reported matters more than its picture: note why there is none.
                TestContext.Current.AddWarning($"no screenshot of {page.Url}: {e.Message}");
            }
        }
        return written;
    }
}
