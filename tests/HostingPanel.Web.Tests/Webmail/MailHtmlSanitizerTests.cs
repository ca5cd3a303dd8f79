using HostingPanel.Web.Webmail;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>The hostile corpus through the sanitizer: nothing that runs, loads, submits or redirects survives; the content does.</summary>
public sealed class MailHtmlSanitizerTests
{
    private static readonly string[] Dangerous =
    [
        "<script", "onload", "onerror", "ontoggle", "<svg", "<form", "<input", "<button", "<meta", "<iframe", "<object", "<embed",
        "<base", "<link", "javascript:", "data:text", "evil.invalid", "pwned",
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
        // The head's style sheet stays as a rule without its remote background.
        Assert.Contains("<style>", clean);
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

    /// <summary>A style sheet with one hostile construct beside a harmless rule: the construct goes, the rule stays.</summary>
    [Theory]
    [InlineData("p { background: url(javascript:alert(1)) }", "javascript")]
    [InlineData("p { background: url('jav&#x09;ascript:alert(1)') }", "ascript")]
    [InlineData("p { width: expression(alert(1)) }", "expression")]
    [InlineData("p { width: expr\\65 ssion(alert(1)) }", "ssion")]
    [InlineData("p { width: ex/**/pression(alert(1)) }", "pression")]
    [InlineData("p { behavior: url(https://evil.invalid/x.htc) }", "behavior")]
    [InlineData("p { -moz-binding: url(https://evil.invalid/x.xml#x) }", "binding")]
    [InlineData("@import url(https://evil.invalid/sheet.css);", "@import")]
    [InlineData("@import 'https://evil.invalid/sheet.css';", "evil.invalid")]
    [InlineData("@font-face { font-family: x; src: url(https://evil.invalid/font.woff) }", "font-face")]
    [InlineData("p { background-image: url(https://evil.invalid/bg.png) }", "evil.invalid")]
    [InlineData("p { background-image: url(data:text/html;base64,PHNjcmlwdD4=) }", "data:text")]
    [InlineData("p { background-image: url(data:image/svg+xml;base64,PHN2Zz4=) }", "svg")]
    [InlineData("p { font-family: '\\3c /style\\3e \\3c script\\3e parent.pwned=1' }", "<script")]
    public void StyleSheets_LoseHostileCss_AndKeepTheHarmlessRule(string hostile, string mustVanish)
    {
        var html = $"<style>{hostile}\n.headline {{ color: #336699; font-weight: bold }}</style><p class=\"headline\">News</p>";
        var clean = new MailHtmlSanitizer().Sanitize(html, allowRemoteImages: false, out _);
        Assert.DoesNotContain(mustVanish, clean, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("</style><script", clean, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<style>", clean);
        Assert.Contains(".headline", clean);
        Assert.Contains("color: rgba(51, 102, 153, 1)", clean);
        Assert.Contains("font-weight: bold", clean);
        Assert.Contains("class=\"headline\"", clean);
    }

    [Fact]
    public void StyleSheets_KeepMediaQueries_AndInlineImages()
    {
        const string html = "<style>@media (max-width: 600px) { .col { width: 100% } } .logo { background-image: url(data:image/png;base64,iVBORw0KGgo=) }</style><div class=\"col logo\">x</div>";
        var clean = new MailHtmlSanitizer().Sanitize(html, allowRemoteImages: false, out var blocked);
        Assert.Contains("@media (max-width: 600px)", clean);
        Assert.Contains("width: 100%", clean);
        Assert.Contains("data:image/png;base64,iVBORw0KGgo=", clean);
        Assert.False(blocked);
    }

    [Fact]
    public void StyleSheetRemoteImages_FollowTheImageRule()
    {
        const string html = "<style>.banner { background-image: url(https://images.example.org/banner.png); color: red }</style><div class=\"banner\">x</div>";
        var blockedClean = new MailHtmlSanitizer().Sanitize(html, allowRemoteImages: false, out var blocked);
        Assert.DoesNotContain("images.example.org", blockedClean);
        Assert.Contains("color: rgba(255, 0, 0, 1)", blockedClean);
        Assert.True(blocked, "the reader should be told that a remote image was blocked");

        var shownClean = new MailHtmlSanitizer().Sanitize(html, allowRemoteImages: true, out blocked);
        Assert.Contains("https://images.example.org/banner.png", shownClean);
        Assert.False(blocked);
    }

    [Fact]
    public void ClosingTheStyleElementEarly_LeavesTextBehind_NotScript()
    {
        const string html = "<style>p { font-family: '</style><script>parent.pwned=1</script>' }</style><p>News</p>";
        var clean = new MailHtmlSanitizer().Sanitize(html, allowRemoteImages: false, out _);
        Assert.DoesNotContain("<script", clean, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("pwned", clean);
        Assert.Contains("<p>News</p>", clean);
    }

    /// <summary>
    /// The end tag spelled with CSS escapes: the CSS parser decodes them, so the rewritten sheet must not
    /// hand "&lt;/style&gt;" back to the HTML serializer, which writes a style element's text as it is.
    /// </summary>
    [Theory]
    [InlineData("p::after { content: '\\3c/style\\3e\\3cscript\\3eparent.pwned=1\\3c/script\\3e' }")]
    [InlineData("p { font-family: '\\3C /STYLE\\3E \\3C img src=x onerror=parent.pwned=1\\3E' }")]
    [InlineData("p::before { content: \"\\00003c/style>\\00003cscript>parent.pwned=1\\00003c/script>\" }")]
    public void EscapedEndTagInsideAStyleSheet_NeverEndsTheStyleElement(string sheet)
    {
        var clean = new MailHtmlSanitizer().Sanitize($"<style>{sheet}</style><p>News</p>", allowRemoteImages: false, out _);
        Assert.DoesNotContain("</style><", clean.Replace("</style><p>", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, CountOf(clean.ToLowerInvariant(), "</style"));
        Assert.DoesNotContain("<script", clean, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", clean, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<p>News</p>", clean);
    }

    /// <summary>Inline styles are sanitized once per distinct value and put back: each element gets its own, none gets another's.</summary>
    [Fact]
    public void RepeatedInlineStyles_EachElementKeepsItsOwnSanitizedStyle()
    {
        const string hostile = "color: blue; width: expression(alert(1)); background-image: url(https://tracker.invalid/p.png)";
        var html = string.Concat(Enumerable.Range(0, 50).Select(i => i % 2 == 0
            ? $"<td style=\"{hostile}\">even {i}</td>"
            : $"<td style=\"color: green\">odd {i}</td>"));
        var clean = new MailHtmlSanitizer().Sanitize("<table><tr>" + html + "</tr></table><p style=\"font-weight: bold\">last</p><script style=\"color: red\">x()</script>", allowRemoteImages: false, out var blocked);
        Assert.Equal(25, CountOf(clean, "style=\"color: rgba(0, 0, 255, 1)\">even"));
        Assert.Equal(25, CountOf(clean, "style=\"color: rgba(0, 128, 0, 1)\">odd"));
        Assert.Contains("<p style=\"font-weight: bold\">last</p>", clean);
        Assert.DoesNotContain("expression", clean);
        Assert.DoesNotContain("tracker.invalid", clean);
        Assert.DoesNotContain("<script", clean);
        Assert.DoesNotContain("rgba(255, 0, 0", clean);
        Assert.True(blocked);
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
}
