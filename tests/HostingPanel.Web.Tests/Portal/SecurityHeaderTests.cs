using System.Net;
using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Item 10: security headers everywhere, and no inline script a CSP would have to allow.</summary>
public sealed partial class SecurityHeaderTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("base-uri 'self'", csp);
        Assert.Contains("form-action 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task Headers_OnPortalPages_ApiJson_Problems_AndApiDocs()
    {
        using var anonymous = host.CreateClient();
        var login = await anonymous.GetAsync("/account/login", Ct);
        AssertSecurityHeaders(login);
        Assert.Contains("script-src 'self';", string.Join(";", login.Headers.GetValues("Content-Security-Policy")));
        foreach (var cookie in login.Headers.GetValues("Set-Cookie"))
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        using var api = host.CreateAdminApiClient();
        var me = await api.GetAsync("/api/v1/me", Ct);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        AssertSecurityHeaders(me);
        Assert.Contains("\"email\"", await me.Content.ReadAsStringAsync(Ct));

        var missing = await api.GetAsync("/api/v1/domains/nowhere.example", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        AssertSecurityHeaders(missing);

        var unauthorized = await anonymous.GetAsync("/api/v1/me", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        AssertSecurityHeaders(unauthorized);

        // /api/docs keeps its inline script and style, allowed by their hashes only.
        var docs = await anonymous.GetAsync("/api/docs", Ct);
        AssertSecurityHeaders(docs);
        Assert.Matches("script-src 'self' 'sha256-[A-Za-z0-9+/=]+'", string.Join(";", docs.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task SignInCookie_IsHttpOnly_AndLax()
    {
        using var session = new PortalSession(host.CreateClient());
        var response = await session.PostFormAsync("/account/login", "/account/login",
            new() { ["Email"] = PanelHostFixture.AdminEmail, ["Password"] = PanelHostFixture.AdminPassword });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var auth = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hp.auth="));
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", auth, StringComparison.OrdinalIgnoreCase);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task NoRenderedPage_HasInlineScript_InlineHandlers_OrStyleAttributes()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = "sec" + Guid.NewGuid().ToString("N")[..6];
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        var domain = $"{tag}.example";
        await PortalSetupSteps.CreateMailboxAsync(customer, domain, "info");

        string[] adminPages = ["/", "/resellers", "/resellers/new", "/customers", "/customers/new", "/domains", "/staff", "/staff/new", "/apikeys", "/queue", "/search?q=info", "/deleted-mailboxes", $"/domains/{domain}", $"/domains/{domain}/aliases", "/account/two-factor", "/audit", "/audit?From=2026-12-31&To=2026-01-01"];
        string[] customerPages = ["/", "/domains", "/domains/new", $"/domains/{domain}", $"/domains/{domain}/mailboxes/new", $"/domains/{domain}/mailboxes/info", $"/domains/{domain}/aliases", $"/domains/{domain}/aliases/new", "/apikeys", "/account/two-factor", "/audit"];
        foreach (var (session, pages) in new[] { (admin, adminPages), (customer, customerPages) })
            foreach (var path in pages)
            {
                var response = await session.Client.GetAsync(path, Ct);
                if (response.StatusCode == HttpStatusCode.NotFound) continue; // not this role's page
                Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode}");
                AssertNoInlineCode(path, await response.Content.ReadAsStringAsync(Ct));
            }

        using var owner = await PortalSession.SignInAsync(host, $"info@{domain}", PortalSetupSteps.Password);
        foreach (var path in new[] { "/", "/my", "/my/settings", "/my/password", "/my/setup" })
        {
            var response = await owner.Client.GetAsync(path, Ct);
            if (response.StatusCode == HttpStatusCode.NotFound) continue;
            AssertNoInlineCode(path, await response.Content.ReadAsStringAsync(Ct));
        }
        using var anonymous = host.CreateClient();
        AssertNoInlineCode("/account/login", await anonymous.GetStringAsync("/account/login", Ct));
    }

    private static void AssertNoInlineCode(string path, string html)
    {
        foreach (Match script in ScriptTag().Matches(html))
        {
            var attributes = script.Groups[1].Value;
            var isData = attributes.Contains("type=\"application/json\"");
            Assert.True(attributes.Contains("src=") || isData, $"{path}: inline <script{attributes}>");
            if (!isData) Assert.True(string.IsNullOrWhiteSpace(script.Groups[2].Value), $"{path}: script with src has a body");
        }
        Assert.False(EventHandler().IsMatch(html), $"{path}: inline event handler {EventHandler().Match(html).Value}");
        Assert.False(StyleAttribute().IsMatch(html), $"{path}: style attribute {StyleAttribute().Match(html).Value}");
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        foreach (Match form in PostForm().Matches(html))
            Assert.True(form.Value.Contains("name=\"__RequestVerificationToken\""), $"{path}: a POST form without an antiforgery token: {form.Value[..Math.Min(120, form.Value.Length)]}");
    }

    [GeneratedRegex("<form[^>]*method=\"post\".*?</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex PostForm();

    [GeneratedRegex("<script([^>]*)>(.*?)</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex("<[^>]+\\son[a-z]+\\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();

    [GeneratedRegex("<[^>]+\\sstyle\\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex StyleAttribute();
}

/// <summary>The domain page's usage chart still draws under the CSP, with no violation in the console.</summary>
// One Chromium at a time: several browsers and hosts at once starve a 2-core machine.
[Collection(BrowserCollection.Name)]
public sealed class ContentSecurityPolicyBrowserTests(BrowserFixture host) : BrowserTest, IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task DomainPage_ChartRenders_WithoutCspViolations()
    {
        var tag = "csp" + Guid.NewGuid().ToString("N")[..6];
        using (var admin = await PortalSession.AdminAsync(host))
        using (var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag))
            await PortalSetupSteps.CreateMailboxAsync(customer, $"{tag}.example", "info");

        var page = await host.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // Browsers ask for /favicon.ico on their own; the portal has none.
            if (message.Type == "error" && !message.Location.Contains("favicon.ico")) errors.Add(message.Text + " at " + message.Location);
        };
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email or mailbox address").FillAsync($"{tag}@customers.example");
        await page.GetByLabel("Password").FillAsync(PortalSetupSteps.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Commit, not load: the redirect chain after sign-in can finish before Playwright watches for "load" (it then waits forever).
        await page.WaitForURLAsync(url => !url.Contains("/account/login"), new() { WaitUntil = WaitUntilState.Commit });

        await page.GotoAsync($"/domains/{tag}.example");
        // Either the chart drew (Chart.js sized the canvas) or the page says there is no history yet: both mean the script ran.
        await page.WaitForFunctionAsync("() => { const c = document.getElementById('usage-chart'); return (c && c.classList.contains('d-none') && !document.getElementById('usage-chart-empty').classList.contains('d-none')) || (typeof Chart !== 'undefined' && Chart.getChart(c) !== undefined); }");
        var bar = page.Locator(".progress-bar[data-width]").First;
        Assert.False(string.IsNullOrEmpty(await bar.EvaluateAsync<string>("b => b.style.width")), "the quota bar's width is set by site.js");
        // The two-factor QR code is a server-drawn SVG in a data: image, which the CSP allows.
        await page.GotoAsync("/account/two-factor");
        Assert.True(await page.Locator("img.qr-code").EvaluateAsync<bool>("i => i.complete && i.naturalWidth > 0"), "the QR code image loads");
        await page.GotoAsync("/api/docs");
        await Assertions.Expect(page.Locator("#nav a").First).ToBeVisibleAsync();
        Assert.Empty(errors);
    }
}
