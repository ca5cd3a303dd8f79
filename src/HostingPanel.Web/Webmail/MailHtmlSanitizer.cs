using AngleSharp.Css.Dom;
using AngleSharp.Dom;
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
public sealed class MailHtmlSanitizer
{
    private static readonly string[] Removed = ["form", "input", "button", "select", "option", "textarea", "label", "fieldset", "legend", "optgroup", "datalist", "output", "meter", "progress"];

    /// <summary>
    /// Style rules and media queries are what mail layouts use. @import and @font-face would load from
    /// the network; @namespace, @page, @keyframes and @supports add nothing a message needs.
    /// </summary>
    private static readonly CssRuleType[] AllowedAtRules = [CssRuleType.Style, CssRuleType.Media];

    public string Sanitize(string html, bool allowRemoteImages, out bool blockedRemote)
    {
        var blocked = false;
        var sanitizer = new HtmlSanitizer();
        foreach (var tag in Removed) sanitizer.AllowedTags.Remove(tag);
        sanitizer.AllowedTags.Add("style");
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
                blocked = true;
                e.SanitizedUrl = null;
            }
        };
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is IElement { NodeName: "A" } a)
            {
                a.SetAttribute("target", "_blank");
                a.SetAttribute("rel", "noopener noreferrer");
            }
        };
        var result = sanitizer.Sanitize(html);
        blockedRemote = blocked;
        return result;
    }
}
