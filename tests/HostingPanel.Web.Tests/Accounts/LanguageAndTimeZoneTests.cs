using System.Net;
using System.Text.Json.Nodes;
using HostingPanel.Data;
using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Portal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 20.6 over HTTP: the portal in English or Bahasa Melayu (the user's choice, else its reseller's default, else the
/// browser's Accept-Language), times in the user's time zone, validation messages in the request's language while API
/// problem titles stay English, and settings that are not on the lists refused. Fresh users only: the seeded ones are
/// shared with the other API classes, which read English.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class LanguageAndTimeZoneTests(ApiHostFixture host)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string> LoginPageAsync(string? acceptLanguage)
    {
        using var client = host.CreateClient();
        if (acceptLanguage is not null) client.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        return await client.GetStringAsync("/account/login", Ct);
    }

    /// <summary>A reseller with one customer, both new; returns their ids, logins and keys.</summary>
    private async Task<(string ResellerId, string ResellerEmail, string CustomerEmail, string CustomerKey)> NewResellerWithCustomerAsync()
    {
        using var admin = host.CreateAdminApiClient();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var resellerEmail = $"r-{tag}@lang-resellers.example";
        var reseller = await Api.Api.CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = $"Lang {tag}", email = resellerEmail, password = ApiHostFixture.Password,
            limits = new { maxCustomers = 5, maxDomains = 5, maxMailboxes = 5, diskQuotaMb = 5000 },
        });
        using var asReseller = host.CreateClient(await ApiHostFixture.KeyForAsync(admin, resellerEmail));
        var customerEmail = $"c-{tag}@lang-customers.example";
        await Api.Api.CreatedAsync(asReseller, "/api/v1/customers", new
        {
            name = $"Lang customer {tag}", email = customerEmail, password = ApiHostFixture.Password,
            limits = new { maxDomains = 2, maxMailboxes = 2, diskQuotaMb = 1000 },
        });
        return (reseller["id"]!.GetValue<string>(), resellerEmail, customerEmail, await ApiHostFixture.KeyForAsync(asReseller, customerEmail));
    }

    private async Task<PortalSession> SignInAsync(string email, string acceptLanguage = "en-US")
    {
        var session = await PortalSession.SignInAsync(host, email, ApiHostFixture.Password);
        session.Client.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        return session;
    }

    [Fact]
    public async Task ABrowserAskingForMalay_GetsTheSignInPageInMalay_AnyOtherLanguageGetsEnglish()
    {
        var malay = await LoginPageAsync("ms-MY,ms;q=0.9,en;q=0.5");
        Assert.Contains("<html lang=\"ms\">", malay);
        Assert.Contains(">Log masuk</button>", malay);
        Assert.Contains(">Kata laluan</label>", malay);
        Assert.Contains("Lupa kata laluan?", malay);

        foreach (var other in new[] { "en-GB", "de-DE,fr;q=0.8", "xx-INVALID", null })
        {
            var english = await LoginPageAsync(other);
            Assert.Contains("<html lang=\"en\">", english);
            Assert.Contains(">Sign in</button>", english);
        }
    }

    [Fact]
    public async Task LanguagesAndTimeZonesNotOnTheLists_AreRefused_ByTheApiAndThePortal_AndNothingIsStored()
    {
        var (_, _, customerEmail, customerKey) = await NewResellerWithCustomerAsync();
        using var api = host.CreateClient(customerKey);

        var badLanguage = await Api.Api.ProblemAsync(api, HttpMethod.Patch, "/api/v1/me", new { language = "tlh" }, HttpStatusCode.BadRequest);
        Assert.Contains("Choose a language from the list.", Api.Api.Errors(badLanguage, "language"));
        // An id that would name a file if it reached the system's time zone lookup, one that differs only in case, and a Windows name.
        foreach (var zone in new[] { "../../../../etc/passwd", "asia/kuala_lumpur", "Mars/Olympus_Mons", "Singapore Standard Time ", new string('A', 5000) })
        {
            var badZone = await Api.Api.ProblemAsync(api, HttpMethod.Patch, "/api/v1/me", new { timeZone = zone }, HttpStatusCode.BadRequest);
            Assert.Contains("Choose a time zone from the list.", Api.Api.Errors(badZone, "timeZone"));
        }
        var me = await Api.Api.GetAsync(api, "/api/v1/me");
        Assert.Null(me["language"]?.GetValue<string>());
        Assert.Null(me["timeZone"]?.GetValue<string>());

        var saved = await Api.Api.OkAsync(api, HttpMethod.Patch, "/api/v1/me", new { language = "ms", timeZone = "Asia/Kuala_Lumpur" });
        Assert.Equal("ms", saved["language"]!.GetValue<string>());
        Assert.Equal("Asia/Kuala_Lumpur", saved["timeZone"]!.GetValue<string>());
        // Absent keeps, empty clears.
        var cleared = await Api.Api.OkAsync(api, HttpMethod.Patch, "/api/v1/me", new { timeZone = "" });
        Assert.Equal("ms", cleared["language"]!.GetValue<string>());
        Assert.Null(cleared["timeZone"]?.GetValue<string>());

        // The portal's form: the same refusal (in the user's language, Malay now), and the stored values stay.
        using var portal = await SignInAsync(customerEmail);
        var refused = await portal.PostFormAsync("/account/security", "/account/security/preferences", new() { ["Language"] = "en", ["TimeZone"] = "../../../../etc/passwd" });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("Pilih zon waktu daripada senarai.", await refused.Content.ReadAsStringAsync(Ct));
        using var scope = host.App.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Email == customerEmail, Ct);
        Assert.Equal("ms", user.Language);
        Assert.Null(user.TimeZone);
    }

    [Fact]
    public async Task AResellersDefault_ReachesItsCustomersPages_TheCustomersOwnChoiceWins_AndNoResellerSetsAnothersDefault()
    {
        var (resellerId, resellerEmail, customerEmail, _) = await NewResellerWithCustomerAsync();
        var (otherResellerId, _, _, _) = await NewResellerWithCustomerAsync();

        using (var reseller = await SignInAsync(resellerEmail))
        {
            // Another reseller's tree does not exist for it; its own form names no reseller at all.
            Assert.Equal(HttpStatusCode.NotFound, (await reseller.PostFormAsync("/account/security", $"/resellers/{otherResellerId}/defaults",
                new() { ["Language"] = "ms", ["TimeZone"] = "Asia/Kuala_Lumpur" })).StatusCode);
            var own = await reseller.PostFormAsync("/account/security", "/account/security/reseller-defaults",
                new() { ["Language"] = "ms", ["TimeZone"] = "Asia/Kuala_Lumpur", ["ResellerId"] = otherResellerId });
            Assert.Equal(HttpStatusCode.Redirect, own.StatusCode);
        }
        using (var scope = host.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            var mine = await db.Resellers.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.Id == Guid.Parse(resellerId), Ct);
            Assert.Equal(("ms", "Asia/Kuala_Lumpur"), (mine.DefaultLanguage, mine.DefaultTimeZone));
            var other = await db.Resellers.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.Id == Guid.Parse(otherResellerId), Ct);
            Assert.Equal((null, null), (other.DefaultLanguage, other.DefaultTimeZone));
        }

        // The customer's browser asks for English; the reseller's default decides: Malay, and times at +08:00.
        using var customer = await SignInAsync(customerEmail, "en-US");
        var dashboard = await customer.GetStringAsync("/");
        Assert.Contains("<html lang=\"ms\">", dashboard);
        Assert.Contains(">Papan pemuka</a>", dashboard);
        var security = WebUtility.HtmlDecode(await customer.GetStringAsync("/account/security"));
        Assert.Contains("Di mana anda log masuk", security);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(security, @"\d{4}-\d\d-\d\d \d\d:\d\d \+08:00"), security[security.IndexOf("id=\"sessions\"", StringComparison.Ordinal)..][..600]);
        Assert.DoesNotContain(" UTC</td>", security);

        // Its own choice wins over the reseller's.
        var chosen = await customer.PostFormAsync("/account/security", "/account/security/preferences", new() { ["Language"] = "en", ["TimeZone"] = "UTC" });
        Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
        var english = await customer.GetStringAsync("/account/security");
        Assert.Contains("Where you are signed in", english);
        Assert.Contains("Your language and time zone were saved.", english);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(english, @"\d{4}-\d\d-\d\d \d\d:\d\d UTC"), english[english.IndexOf("id=\"sessions\"", StringComparison.Ordinal)..][..600]);

        // The admin's form refuses a language not on the list and keeps the default.
        using var admin = await PortalSession.AdminAsync(host);
        var bad = await admin.PostFormAsync($"/resellers/{resellerId}", $"/resellers/{resellerId}/defaults", new() { ["Language"] = "klingon", ["TimeZone"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, bad.StatusCode);
        Assert.Contains("Choose a language from the list.", await admin.GetStringAsync($"/resellers/{resellerId}"));
        using (var scope = host.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            Assert.Equal("ms", (await db.Resellers.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.Id == Guid.Parse(resellerId), Ct)).DefaultLanguage);
        }
    }

    [Fact]
    public async Task ValidationMessages_FollowTheRequestsLanguage_WhileProblemTitlesStayEnglish()
    {
        using var reseller = host.CreateClient(host.A.ResellerKey);
        var body = new { localPart = "short-pw", password = "short", quotaMb = 10 };
        var english = await Api.Api.ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/domains/{host.A.Domain}/mailboxes", body, HttpStatusCode.BadRequest);
        Assert.Contains("The password needs at least 10 characters.", Api.Api.Errors(english, "password"));

        using var malayClient = host.CreateClient(host.A.ResellerKey);
        malayClient.DefaultRequestHeaders.Add("Accept-Language", "ms-MY");
        var malay = await Api.Api.ProblemAsync(malayClient, HttpMethod.Post, $"/api/v1/domains/{host.A.Domain}/mailboxes", body, HttpStatusCode.BadRequest);
        Assert.Contains("Kata laluan memerlukan sekurang-kurangnya 10 aksara.", Api.Api.Errors(malay, "password"));
        Assert.Equal(english["title"]!.GetValue<string>(), malay["title"]!.GetValue<string>());
        Assert.Equal(english["detail"]?.GetValue<string>(), malay["detail"]?.GetValue<string>());
    }
}
