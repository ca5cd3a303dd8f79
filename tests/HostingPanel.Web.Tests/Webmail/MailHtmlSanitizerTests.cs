using HostingPanel.Web.Webmail;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>The hostile corpus through the sanitizer: nothing that runs, loads, submits or redirects survives; the content does.</summary>
public sealed class MailHtmlSanitizerTests
{
    private static readonly string[] Dangerous =
    [
        "<script", "onload", "onerror", "ontoggle", "<svg", "<form", "<input", "<button", "<meta", "<iframe", "<object", "<embed",
        "<base", "<link", "<style", "javascript:", "data:text", "evil.invalid", "pwned",
    ];

    [Fact]
    public void HostileCorpus_LosesEveryActiveConstruct_AndEveryRemoteLoad()
    {
        var clean = new MailHtmlSanitizer().Sanitize(HostileMail.Html, allowRemoteImages: false, out var blocked);
        foreach (var bad in Dangerous)
            Assert.DoesNotContain(bad, clean, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("tracker.invalid", clean, StringComparison.OrdinalIgnoreCase);
        Assert.True(blocked, "the reader should be told that remote images were blocked");
        // What a reader needs stays: text, formatting, harmless style, the safe link (opening in a new tab).
        Assert.Contains("Hello <b>friend</b>", clean);
        Assert.Contains("styled text", clean);
        Assert.Contains("color: rgba(255, 0, 0, 1)", clean);
        Assert.Contains("href=\"https://example.org/safe\"", clean);
        Assert.Contains("target=\"_blank\"", clean);
        Assert.Contains("rel=\"noopener noreferrer\"", clean);
    }

    [Fact]
    public void RemoteImages_LoadOnlyWhenTheReaderAsks_AndScriptsStillNever()
    {
        var clean = new MailHtmlSanitizer().Sanitize(HostileMail.Html, allowRemoteImages: true, out _);
        Assert.Contains("https://tracker.invalid/pixel.png", clean);
        foreach (var bad in Dangerous)
            Assert.DoesNotContain(bad, clean, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("<img src=\"data:image/png;base64,iVBORw0KGgo=\">", "data:image/png;base64,iVBORw0KGgo=")]
    [InlineData("<a href=\"mailto:someone@example.org\">write</a>", "mailto:someone@example.org")]
    public void InlineImages_AndMailtoLinks_AreKept(string html, string kept)
    {
        var clean = new MailHtmlSanitizer().Sanitize(html, allowRemoteImages: false, out var blocked);
        Assert.Contains(kept, clean);
        Assert.False(blocked);
    }

    [Theory]
    [InlineData("<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">")]
    [InlineData("<a href=\"data:image/png;base64,iVBORw0KGgo=\">x</a>")]
    [InlineData("<img src=\"mailto:x@example.org\">")]
    [InlineData("<p style=\"background:url(javascript:alert(1))\">x</p>")]
    public void SvgDataImages_DataLinks_AndScriptUrlsInCss_AreDropped(string html)
    {
        var clean = new MailHtmlSanitizer().Sanitize(html, allowRemoteImages: true, out _);
        Assert.DoesNotContain("data:image/svg", clean, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href=\"data:", clean, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", clean, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=\"mailto:", clean, StringComparison.OrdinalIgnoreCase);
    }
}
