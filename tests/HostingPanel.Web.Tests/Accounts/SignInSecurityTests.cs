using System.Net;
using System.Text.RegularExpressions;
using HostingPanel.Web.Features.Account;
using HostingPanel.Web.Tests.Api;
using ApiCalls = HostingPanel.Web.Tests.Api.Api;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 16 items 5, 6 and 8 and issue 20 item 1 through the portal and the API: lockout is not a weapon, imported
/// hashes have bounded cost, portal logins and hosted addresses never collide; every portal user changes its own
/// password (asked for the current one) and signs its other sessions out.
/// </summary>
public sealed partial class SignInSecurityTests(AccountsHostFixture host) : IClassFixture<AccountsHostFixture>
{
    private const string Wrong = "definitely-not-it";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<string> AttemptAsync(PortalSession client, string email, string password)
    {
        var response = await client.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });
        if (response.StatusCode == HttpStatusCode.Redirect) return "signed in";
        var html = await response.Content.ReadAsStringAsync(Ct);
        var error = ErrorRegex().Match(html);
        return error.Success ? WebUtility.HtmlDecode(error.Groups[1].Value).Trim() : html;
    }

    private async Task<(string Email, string Key, string Id)> CustomerAsync(string tag)
    {
        var email = $"{tag}-{Guid.NewGuid():N}"[..20] + "@customers.example";
        using var admin = host.CreateAdminApiClient();
        var created = await ApiCalls.CreatedAsync(admin, "/api/v1/customers", new { name = "Customer " + tag, email, password = PortalSetupSteps.Password, limits = new { maxDomains = 3, maxMailboxes = 5, diskQuotaMb = 1000 } });
        return (email, await ApiHostFixture.KeyForAsync(admin, email), created["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnonymousFailures_ThrottleOnlyTheirClient_TheOwnerStillSignsInElsewhere_AndApiKeysKeepWorking()
    {
        var (email, key, _) = await CustomerAsync("weapon");
        using var attacker = host.AnonymousFrom("127.0.0.2");
        for (var i = 0; i < AccountsHostFixture.FailuresPerPair; i++)
            Assert.Equal("The email or password is not right.", await AttemptAsync(attacker, email, Wrong));
        Assert.Equal(PortalSignIn.ThrottledMessage, await AttemptAsync(attacker, email, Wrong));
        // Even the right password from that client waits out the window...
        Assert.Equal(PortalSignIn.ThrottledMessage, await AttemptAsync(attacker, email, PortalSetupSteps.Password));
        // ...but the account is not locked: its API key works, and its owner signs in from elsewhere.
        using (var api = host.CreateClient(key))
            Assert.Equal(email, (await ApiCalls.GetAsync(api, "/api/v1/me"))["email"]!.GetValue<string>());
        using var owner = host.AnonymousFrom("127.0.0.3");
        Assert.Equal("signed in", await AttemptAsync(owner, email, PortalSetupSteps.Password));
    }

    [Fact]
    public async Task TheFirstAdmin_CannotBeLockedOut_ByAnonymousFailures_NorItsBootstrapKeyDisabled()
    {
        using var attacker = host.AnonymousFrom("127.0.0.4");
        for (var i = 0; i < 20; i++)
            await AttemptAsync(attacker, PanelHostFixture.AdminEmail, Wrong + i);
        using (var api = host.CreateAdminApiClient())
            Assert.Equal(PanelHostFixture.AdminEmail, (await ApiCalls.GetAsync(api, "/api/v1/me"))["email"]!.GetValue<string>());
        using var admin = host.AnonymousFrom("127.0.0.5");
        Assert.Equal("signed in", await AttemptAsync(admin, PanelHostFixture.AdminEmail, PanelHostFixture.AdminPassword));
    }

    [Fact]
    public async Task OwnPortalPassword_AsksForTheCurrentOne_EndsTheOtherSessions_AndKeepsThisOne()
    {
        var (email, _, _) = await CustomerAsync("ownpw");
        using var here = await PortalSession.SignInAsync(host, email, PortalSetupSteps.Password);
        using var elsewhere = await PortalSession.SignInAsync(host, email, PortalSetupSteps.Password);
        var wrong = await here.PostFormAsync("/account/security", "/account/security/password", new() { ["CurrentPassword"] = Wrong, ["Password"] = "a-new-password-3" });
        Assert.Contains("The current password is not right.", await wrong.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, await elsewhere.StatusOfAsync("/domains"));

        var right = await here.PostFormAsync("/account/security", "/account/security/password", new() { ["CurrentPassword"] = PortalSetupSteps.Password, ["Password"] = "a-new-password-3" });
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await here.StatusOfAsync("/domains"));
        Assert.Equal(HttpStatusCode.Redirect, await elsewhere.StatusOfAsync("/domains"));
        using var anonymous = new PortalSession(host.CreateClient());
        Assert.Equal("The email or password is not right.", await AttemptAsync(anonymous, email, PortalSetupSteps.Password));
        Assert.Equal("signed in", await AttemptAsync(anonymous, email, "a-new-password-3"));
    }

    [Fact]
    public async Task SessionList_ShowsEveryBrowser_SignsOutOne_OrAllOthers_ButNeverAnotherUsers()
    {
        var (email, _, _) = await CustomerAsync("sessions");
        using var first = await PortalSession.SignInAsync(host, email, PortalSetupSteps.Password);
        using var second = await PortalSession.SignInAsync(host, email, PortalSetupSteps.Password);
        using var third = await PortalSession.SignInAsync(host, email, PortalSetupSteps.Password);
        var page = await first.GetStringAsync("/account/security");
        var ends = EndRegex().Matches(page).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ends.Count); // the other two; this browser is marked, not offered
        Assert.Contains("this browser", page);

        // Another user cannot end these sessions, even knowing their ids.
        var (otherEmail, _, _) = await CustomerAsync("intruder");
        using (var intruder = await PortalSession.SignInAsync(host, otherEmail, PortalSetupSteps.Password))
        {
            var refused = await intruder.PostFormAsync("/account/security", $"/account/security/sessions/{ends[0]}/end", []);
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, await second.StatusOfAsync("/domains"));
        Assert.Equal(HttpStatusCode.OK, await third.StatusOfAsync("/domains"));

        Assert.Equal(HttpStatusCode.Redirect, (await first.PostFormAsync("/account/security", $"/account/security/sessions/{ends[0]}/end", [])).StatusCode);
        var stillOpen = 0;
        foreach (var other in new[] { second, third })
            if (await other.StatusOfAsync("/domains") == HttpStatusCode.OK) stillOpen++;
        Assert.Equal(1, stillOpen);
        Assert.Equal(HttpStatusCode.Redirect, (await first.PostFormAsync("/account/security", "/account/security/sessions/end-others", [])).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, await second.StatusOfAsync("/domains"));
        Assert.Equal(HttpStatusCode.Redirect, await third.StatusOfAsync("/domains"));
        Assert.Equal(HttpStatusCode.OK, await first.StatusOfAsync("/domains"));
    }

    [Theory]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=1048576,t=3,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", "The {ARGON2ID} memory (m) can be at most 65536 KiB.")]
    [InlineData("{SHA512-CRYPT}$6$rounds=900000$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1", "The {SHA512-CRYPT} rounds can be at most 20000.")]
    [InlineData("{BLF-CRYPT}$2y$18$abcdefghijklmnopqrstuu5Rhq0dc1OTaQd3RGmXGAX6UNJhz.BAV.", "The {BLF-CRYPT} cost can be at most 10.")]
    public async Task ImportedHash_AboveTheCostLimit_Is400WithTheLimit(string hash, string message)
    {
        var domain = $"cost-{Guid.NewGuid():N}"[..16] + ".example";
        var (_, _, customerId) = await CustomerAsync("cost");
        using var admin = host.CreateAdminApiClient();
        await ApiCalls.CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId });
        var problem = await ApiCalls.ProblemAsync(admin, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes",
            new { localPart = "imported", passwordHash = hash, quotaMb = 10 }, HttpStatusCode.BadRequest);
        Assert.Equal([message], ApiCalls.Errors(problem, "passwordHash"));
    }

    [Fact]
    public async Task PortalLogins_AndHostedAddresses_NeverCollide()
    {
        var domain = $"col-{Guid.NewGuid():N}"[..16] + ".example";
        var (email, key, _) = await CustomerAsync("collide");
        using var admin = host.CreateAdminApiClient();
        var customerId = (await ApiCalls.GetAsync(admin, "/api/v1/customers?q=" + Uri.EscapeDataString(email)))["items"]![0]!["id"]!.GetValue<string>();
        await ApiCalls.CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId });
        using var customer = host.CreateClient(key);
        await ApiCalls.CreatedAsync(customer, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "boss", password = PortalSetupSteps.Password, quotaMb = 10 });
        await ApiCalls.CreatedAsync(customer, $"/api/v1/domains/{domain}/aliases", new { localPart = "sales", destinations = new[] { $"boss@{domain}" } });

        // Another tenant's portal login may not be a hosted mailbox or alias address.
        foreach (var taken in new[] { $"boss@{domain}", $"sales@{domain}" })
        {
            var customerProblem = await ApiCalls.ProblemAsync(admin, HttpMethod.Post, "/api/v1/customers",
                new { name = "Squatter", email = taken, password = PortalSetupSteps.Password, limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 } }, HttpStatusCode.Conflict);
            Assert.Contains("is a mail address hosted here", ApiCalls.Errors(customerProblem, "email")[0]);
            var resellerProblem = await ApiCalls.ProblemAsync(admin, HttpMethod.Post, "/api/v1/resellers",
                new { name = "Squatter", email = taken, password = PortalSetupSteps.Password, limits = new { maxCustomers = 1, maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 } }, HttpStatusCode.Conflict);
            Assert.Contains("is a mail address hosted here", ApiCalls.Errors(resellerProblem, "email")[0]);
        }

        // A mailbox or alias may not take over an existing portal login (here: the customer's own sign-in address).
        var (_, otherKey, otherId) = await CustomerAsync("taker");
        var takerDomain = $"t{Guid.NewGuid():N}"[..12] + ".example";
        await ApiCalls.CreatedAsync(admin, "/api/v1/domains", new { name = takerDomain, customerId = otherId });
        using var taker = host.CreateClient(otherKey);
        using var admin2 = host.CreateAdminApiClient();
        var victimLogin = $"victim@{takerDomain}";
        await ApiCalls.CreatedAsync(admin2, "/api/v1/customers", new { name = "Victim", email = victimLogin, password = PortalSetupSteps.Password, limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 } });
        var mailboxProblem = await ApiCalls.ProblemAsync(taker, HttpMethod.Post, $"/api/v1/domains/{takerDomain}/mailboxes",
            new { localPart = "victim", password = PortalSetupSteps.Password, quotaMb = 10 }, HttpStatusCode.Conflict);
        Assert.Contains("is the sign-in address of a portal account", ApiCalls.Errors(mailboxProblem, "localPart")[0]);
        var aliasProblem = await ApiCalls.ProblemAsync(taker, HttpMethod.Post, $"/api/v1/domains/{takerDomain}/aliases",
            new { localPart = "victim", destinations = new[] { $"boss@{domain}" } }, HttpStatusCode.Conflict);
        Assert.Contains("is the sign-in address of a portal account", ApiCalls.Errors(aliasProblem, "localPart")[0]);
        // The victim still signs in as itself.
        using var victim = await PortalSession.SignInAsync(host, victimLogin, PortalSetupSteps.Password);
        Assert.Equal(HttpStatusCode.OK, await victim.StatusOfAsync("/domains"));
    }

    [GeneratedRegex(@"validation-summary-errors[^>]*>\s*<ul>\s*<li>([^<]+)</li>")]
    private static partial Regex ErrorRegex();

    [GeneratedRegex("action=\"/account/security/sessions/([^/\"]+)/end\"")]
    private static partial Regex EndRegex();
}
