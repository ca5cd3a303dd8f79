using System.Net;
using AngleSharp;
using AngleSharp.Css.Dom;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Ganss.Xss;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Cleans a message's HTML for display (HtmlSanitizer): no script, event handler, form, SVG, frame,
/// meta refresh or linked style sheet survives; links only to http, https and mailto, opening in a new
/// tab; images only as data: (inline cid: parts are turned into data: before) unless the reader asked
/// for remote images, and then only over http/https. &lt;style&gt; elements stay (newsletters are
/// styled by them) with their CSS parsed and rewritten: only plain rules and @media remain (no
/// @import, @font-face or other at-rules), only the allowed properties (no behavior, -moz-binding),
/// no expression(), and url() obeys the image rule. The frame that shows the result is sandboxed under
/// its own CSP as well: the sanitizer is one layer of two.
/// </summary>
/// <remarks>
/// CSS is where the time goes: a parser with CSS support parses every style attribute as the document
/// is read, and mail repeats one inline style on every cell of a table (a 2,000-row table took three
/// times as long with its styles as without). So the document is read by a parser without CSS, its
/// style attributes and style sheets are taken off, and each distinct one is sanitized once, alone, by
/// a sanitizer with the same rules and CSS support, then put back on the elements that survived. Any
/// CSS the main pass still meets fails closed there (a style attribute is dropped, a style sheet
/// emptied).
/// </remarks>
public sealed class MailHtmlSanitizer
{
    private const string Style = "style";

    private static readonly string[] Removed = ["form", "input", "button", "select", "option", "textarea", "label", "fieldset", "legend", "optgroup", "datalist", "output", "meter", "progress"];

    /// <summary>
    /// Style rules and media queries are what mail layouts use. @import and @font-face would load from
    /// the network; @namespace, @page, @keyframes and @supports add nothing a message needs.
    /// </summary>
    private static readonly CssRuleType[] AllowedAtRules = [CssRuleType.Style, CssRuleType.Media];

    /// <summary>Reads the message without CSS (see the remarks); scripting on, so noscript reads as a browser reads it.</summary>
    private static readonly HtmlParser WithoutCss = new(new HtmlParserOptions { IsScripting = true }, BrowsingContext.New(Configuration.Default));

    public string Sanitize(string html, bool allowRemoteImages, out bool blockedRemote)
    {
        var blocked = false;
        var css = new CssSanitizer(Configured(allowRemoteImages, () => blocked = true));
        var sanitizer = Configured(allowRemoteImages, () => blocked = true);
        sanitizer.AllowedAttributes.Remove(Style);
        sanitizer.HtmlParserFactory = () => WithoutCss;

        using var document = WithoutCss.ParseDocument("<!doctype html><html><body>" + html);
        var body = document.Body!;
        var attributes = body.QuerySelectorAll("[style]").Select(e => (Element: e, Css: e.GetAttribute(Style)!)).ToList();
        foreach (var (element, _) in attributes) element.RemoveAttribute(Style);
        var sheets = body.QuerySelectorAll(Style).Select(e => (Element: e, Css: e.TextContent)).ToList();

        sanitizer.SanitizeDom(document, body);

        foreach (var (element, raw) in attributes)
            if (css.Attribute(raw) is { Length: > 0 } clean) element.SetAttribute(Style, clean);
        foreach (var (element, raw) in sheets)
            element.TextContent = css.Sheet(raw);
        foreach (var a in body.QuerySelectorAll("a"))
        {
            a.SetAttribute("target", "_blank");
            a.SetAttribute("rel", "noopener noreferrer");
        }
        blockedRemote = blocked;
        return body.ChildNodes.ToHtml(sanitizer.OutputFormatter);
    }

    /// <summary>The rules above, for a whole message or for one piece of its CSS.</summary>
    private static HtmlSanitizer Configured(bool allowRemoteImages, Action blocked)
    {
        var sanitizer = new HtmlSanitizer();
        foreach (var tag in Removed) sanitizer.AllowedTags.Remove(tag);
        sanitizer.AllowedTags.Add(Style);
        sanitizer.AllowedAttributes.Add("class"); // what the style sheet's rules select on
        sanitizer.AllowedAtRules.Clear();
        foreach (var rule in AllowedAtRules) sanitizer.AllowedAtRules.Add(rule);
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto", "data" }) sanitizer.AllowedSchemes.Add(scheme);
        sanitizer.AllowedAttributes.Remove("id"); // ids could clash with nothing here, but named anchors are not needed
        sanitizer.FilterUrl += (_, e) =>
        {
            var url = e.SanitizedUrl ?? e.OriginalUrl;
            if (url is null) return;
            var isLink = e.Tag is { } t && t.NodeName.Equals("A", StringComparison.OrdinalIgnoreCase) && t.HasAttribute("href") && t.GetAttribute("href") == e.OriginalUrl;
            if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            {
                // data: only for images; a data: link would open a document of the sender's choosing.
                e.SanitizedUrl = !isLink && url.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("data:image/svg", StringComparison.OrdinalIgnoreCase) ? url : null;
                return;
            }
            if (isLink) return;
            if (url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)) { e.SanitizedUrl = null; return; }
            // Anything else (an <img>, a style attribute's or a style sheet's url()) loads from the
            // network: a tracking pixel until the reader says otherwise.
            if (!allowRemoteImages)
            {
                blocked();
                e.SanitizedUrl = null;
            }
        };
        return sanitizer;
    }

    /// <summary>Each distinct style attribute or style sheet of one message, sanitized once, alone, with CSS support.</summary>
    private sealed class CssSanitizer(HtmlSanitizer sanitizer)
    {
        private readonly Dictionary<string, string> _attributes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _sheets = new(StringComparer.Ordinal);

        public string Attribute(string raw)
        {
            if (_attributes.TryGetValue(raw, out var clean)) return clean;
            using var document = sanitizer.SanitizeDom($"<span style=\"{WebUtility.HtmlEncode(raw)}\"></span>");
            return _attributes[raw] = document.Body?.FirstElementChild?.GetAttribute(Style) ?? "";
        }

        /// <summary>
        /// The sheet's text came out of a style element, so it held no end tag; but the CSS parser decodes
        /// escapes ("\3c/style\3e") and the HTML serializer writes a style element's text as it is, so any
        /// "&lt;" in the rewritten sheet goes back out escaped: CSS has no use for it outside strings, and
        /// inside one the escape means the same character.
        /// </summary>
        public string Sheet(string raw)
        {
            if (_sheets.TryGetValue(raw, out var clean)) return clean;
            using var document = sanitizer.SanitizeDom($"<style>{raw}</style>");
            var text = document.Body?.FirstElementChild is { LocalName: Style } sheet ? sheet.TextContent : "";
            return _sheets[raw] = text.Replace("<", "\\3c ", StringComparison.Ordinal);
        }
    }
}
