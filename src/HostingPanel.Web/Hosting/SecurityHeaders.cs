using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HostingPanel.Web.Api;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// Security headers on every response (portal, API, static files, errors). The portal runs no inline
/// script or style, so the policy allows only this origin. /api/docs is one self-contained page whose
/// own &lt;script&gt; and &lt;style&gt; blocks are allowed by their hashes, so it stays a single response.
/// </summary>
public static partial class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'";

    private static readonly Lazy<string> ApiDocsPolicy = new(() =>
        "default-src 'self'; " +
        $"script-src 'self' {HashOf(ApiReferencePage.Html, "script")}; " +
        $"style-src 'self' {HashOf(ApiReferencePage.Html, "style")}; " +
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'");

    private const string FramedPolicyKey = "hp.framed-csp";

    /// <summary>
    /// A response shown inside one of the portal's own frames (webmail's message body) carries its own,
    /// stricter policy, which must state frame-ancestors 'self'; it may then be framed by this origin only.
    /// </summary>
    public static void UseFramedPolicy(HttpContext context, string policy)
    {
        if (!policy.Contains("frame-ancestors 'self'", StringComparison.Ordinal))
            throw new ArgumentException("A framed policy must allow framing by this origin only.", nameof(policy));
        context.Items[FramedPolicyKey] = policy;
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            // Set when the response starts, so error pages and status-code pages carry them too.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                var framed = context.Items.TryGetValue(FramedPolicyKey, out var own) && own is string;
                headers.ContentSecurityPolicy = framed ? (string)own!
                    : context.Request.Path.Equals("/api/docs", StringComparison.OrdinalIgnoreCase) ? ApiDocsPolicy.Value
                    : ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = framed ? "SAMEORIGIN" : "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                return Task.CompletedTask;
            });
            return next(context);
        });

    /// <summary>'sha256-…' source of the first inline &lt;tag&gt; block in the page (CSP Level 2 hash source).</summary>
    private static string HashOf(string html, string tag)
    {
        var match = Regex.Match(html, $"<{tag}>(.*?)</{tag}>", RegexOptions.Singleline);
        if (!match.Success) return "";
        return "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(match.Groups[1].Value))) + "'";
    }
}
