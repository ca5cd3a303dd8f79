using AngleSharp.Dom;
using Ganss.Xss;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Cleans a message's HTML for display (HtmlSanitizer): no script, event handler, form, SVG, frame,
/// meta refresh or style sheet survives; links only to http, https and mailto, opening in a new tab;
/// images only as data: (inline cid: parts are turned into data: before) unless the reader asked
/// for remote images, and then only over http/https. CSS url() obeys the same rule. The frame that
/// shows the result is sandboxed under its own CSP as well: the sanitizer is one layer of two.
/// </summary>
public sealed class MailHtmlSanitizer
{
    private static readonly string[] Removed = ["form", "input", "button", "select", "option", "textarea", "label", "fieldset", "legend", "optgroup", "datalist", "output", "meter", "progress"];

    public string Sanitize(string html, bool allowRemoteImages, out bool blockedRemote)
    {
        var blocked = false;
        var sanitizer = new HtmlSanitizer();
        foreach (var tag in Removed) sanitizer.AllowedTags.Remove(tag);
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
            // Anything else loads from the network: a tracking pixel until the reader says otherwise.
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
