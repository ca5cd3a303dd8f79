using System.Net;
using System.Text;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Issue 16.9: what a message's HTML may cost before it reaches the sanitizer. The HTML parser's tree builder looks
/// through the stack of open elements for many tags, so 100,000 nested elements cost time quadratic in the depth, and
/// serialising such a tree recurses that deep. One linear pass (<see cref="Measure"/>) says whether the HTML is within
/// <see cref="MaxChars"/> and <see cref="MaxDepth"/> (Chromium's parser stops nesting at 512 too); beyond either, the
/// message is shown as text (<see cref="TextOf"/>, also linear), with a note saying why.
/// </summary>
public static class HtmlBounds
{
    public const int MaxChars = 1024 * 1024;
    public const int MaxDepth = 512;

    // Elements that never nest (void) or whose end tag is often left out: they do not deepen the estimate.
    private static readonly HashSet<string> Flat = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr",
        "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody", "tfoot", "colgroup", "rb", "rt", "rp",
    };

    public sealed record Measurement(int Chars, int Depth)
    {
        public bool IsWithinBounds => Chars <= MaxChars && Depth <= MaxDepth;
    }

    /// <summary>Length and the deepest nesting of start and end tags, in one pass (stops counting depth past the limit).</summary>
    public static Measurement Measure(string html)
    {
        var depth = 0;
        var deepest = 0;
        var i = 0;
        while (i < html.Length && deepest <= MaxDepth)
        {
            var lt = html.IndexOf('<', i);
            if (lt < 0 || lt + 1 >= html.Length)
                break;
            var closing = html[lt + 1] == '/';
            var nameStart = lt + (closing ? 2 : 1);
            var nameEnd = nameStart;
            while (nameEnd < html.Length && nameEnd - nameStart < 16 && char.IsAsciiLetterOrDigit(html[nameEnd]))
                nameEnd++;
            if (nameEnd == nameStart || !char.IsAsciiLetter(html[nameStart]))
            {
                i = lt + 1; // "<" as text, a comment or a declaration: not an element
                continue;
            }
            var gt = html.IndexOf('>', nameEnd);
            if (gt < 0)
                break; // an unfinished tag at the end: no element
            var name = html.AsSpan(nameStart, nameEnd - nameStart).ToString();
            var selfClosing = html[gt - 1] == '/';
            if (!Flat.Contains(name) && !selfClosing)
            {
                depth = closing ? Math.Max(0, depth - 1) : depth + 1;
                deepest = Math.Max(deepest, depth);
            }
            i = gt + 1;
        }
        return new Measurement(html.Length, deepest);
    }

    /// <summary>
    /// Plain text of HTML, linear in its length: tags dropped (a line break for br, p, div, li, tr and headings), character
    /// references decoded. A "&lt;" that starts no tag, or a tag that never ends, is text.
    /// </summary>
    public static string TextOf(string html)
    {
        var text = new StringBuilder(Math.Min(html.Length, 64 * 1024));
        var lastGt = html.LastIndexOf('>');
        var i = 0;
        while (i < html.Length)
        {
            var lt = html.IndexOf('<', i);
            if (lt < 0 || lt > lastGt)
            {
                text.Append(html, i, html.Length - i);
                break;
            }
            text.Append(html, i, lt - i);
            var next = lt + 1 < html.Length ? html[lt + 1] : '\0';
            if (!(char.IsAsciiLetter(next) || next is '/' or '!' or '?'))
            {
                text.Append('<');
                i = lt + 1;
                continue;
            }
            var gt = html.IndexOf('>', lt + 1); // found: lt < lastGt
            var nameStart = next == '/' ? lt + 2 : lt + 1;
            var nameEnd = nameStart;
            while (nameEnd < gt && char.IsAsciiLetterOrDigit(html[nameEnd]))
                nameEnd++;
            if (IsBreak(html.AsSpan(nameStart, nameEnd - nameStart)))
                text.Append('\n');
            i = gt + 1;
        }
        return WebUtility.HtmlDecode(text.ToString()).Trim();
    }

    private static bool IsBreak(ReadOnlySpan<char> name) =>
        name.Equals("br", StringComparison.OrdinalIgnoreCase) || name.Equals("p", StringComparison.OrdinalIgnoreCase)
        || name.Equals("div", StringComparison.OrdinalIgnoreCase) || name.Equals("li", StringComparison.OrdinalIgnoreCase)
        || name.Equals("tr", StringComparison.OrdinalIgnoreCase) || (name.Length == 2 && char.ToLowerInvariant(name[0]) == 'h' && char.IsAsciiDigit(name[1]));

    /// <summary>What the frame shows for HTML beyond the bounds: its text, encoded, and why.</summary>
    public static string AsTextDocument(string html, Measurement measured)
    {
        var why = measured.Chars > MaxChars
            ? $"its HTML is larger than {MaxChars / 1024} KiB"
            : $"its HTML nests more than {MaxDepth} elements deep";
        var text = TextOf(html);
        return $"<p class=\"webmail-html-bounded\"><em>This message is shown as plain text because {why}.</em></p><pre style=\"white-space: pre-wrap\">"
            + WebUtility.HtmlEncode(text) + "</pre>";
    }
}
