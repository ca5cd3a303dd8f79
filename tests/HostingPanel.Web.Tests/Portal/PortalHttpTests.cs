using System.Net;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Rules of the portal that plain HTTP shows as well as a browser: scope, roles, validation, encoding, sign-in.</summary>
public sealed class PortalHttpTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    private static string Tag() => "t" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Customer_SeesAnotherCustomersDomain_As404()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var a = Tag();
        var b = Tag();
        using var customerA = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, a);
        using var customerB = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, b);
        await PortalSetupSteps.CreateMailboxAsync(customerA, $"{a}.example", "adam");

        Assert.Equal(HttpStatusCode.OK, await customerA.StatusOfAsync($"/domains/{a}.example"));
        Assert.Equal(HttpStatusCode.OK, await customerA.StatusOfAsync($"/domains/{a}.example/mailboxes/adam"));
        Assert.Equal(HttpStatusCode.NotFound, await customerB.StatusOfAsync($"/domains/{a}.example"));
        Assert.Equal(HttpStatusCode.NotFound, await customerB.StatusOfAsync($"/domains/{a}.example/mailboxes/adam"));
        Assert.Equal(HttpStatusCode.NotFound, await customerB.StatusOfAsync($"/domains/{a}.example/aliases"));
        Assert.Equal(HttpStatusCode.NotFound, await customerB.StatusOfAsync($"/domains/{a}.example/mailboxes/adam/delete"));
        var search = await customerB.GetStringAsync($"/search?q=adam@{a}");
        Assert.DoesNotContain($"adam@{a}.example", search);
        // Posting to another tenant's mailbox is refused the same way.
        var post = await customerB.PostFormAsync("/domains/new", $"/domains/{a}.example/mailboxes/adam/password", new() { ["Password"] = "another-password-1" });
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    [Fact]
    public async Task PagesOfOtherRoles_Are404()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = Tag();
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        foreach (var path in new[] { "/resellers", "/resellers/new", "/customers", "/customers/new", "/staff", "/deleted-mailboxes", "/my" })
            Assert.Equal(HttpStatusCode.NotFound, await customer.StatusOfAsync(path));

        var support = await CreateSupportAsync(admin);
        foreach (var path in new[] { "/resellers", "/customers", "/customers/new", "/staff", "/domains/new" })
            Assert.Equal(HttpStatusCode.NotFound, await support.StatusOfAsync(path));
        Assert.Equal(HttpStatusCode.OK, await support.StatusOfAsync("/search"));
        Assert.Equal(HttpStatusCode.OK, await support.StatusOfAsync($"/domains/{tag}.example"));
    }

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_IsRejected()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var response = await admin.Client.PostAsync("/resellers/new", new FormUrlEncodedContent(new Dictionary<string, string> { ["Name"] = "x" }), PortalSession.Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task InvalidForm_ShowsTheServicesMessages_NextToTheirFields()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var response = await admin.PostFormAsync("/resellers/new", "/resellers/new", new()
        {
            ["Name"] = "", ["Email"] = "not-an-address", ["Password"] = "short",
            ["Limits.MaxCustomers"] = "1", ["Limits.MaxDomains"] = "-1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "1",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(PortalSession.Ct);
        Assert.Matches("data-valmsg-for=\"Name\"[^>]*>Enter a name\\.<", html);
        Assert.Matches("data-valmsg-for=\"Password\"[^>]*>The password needs at least 10 characters\\.<", html);
        Assert.Matches("data-valmsg-for=\"Limits.MaxDomains\"[^>]*>The number of domains must be between 0 and 1000000\\.<", html);
    }

    [Fact]
    public async Task NamesFromUsers_AreHtmlEncoded()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = Tag();
        await PortalSetupSteps.CreateCustomerAsync(admin, $"<script>alert('{tag}')</script>", $"{tag}@customers.example");
        var html = await admin.GetStringAsync($"/customers?q={tag}");
        Assert.DoesNotContain($"<script>alert('{tag}')", html);
        Assert.Contains($"&lt;script&gt;alert(&#x27;{tag}&#x27;)&lt;/script&gt;", html);
    }

    [Fact]
    public async Task Reseller_OverPoolPlan_IsRefused_WithWhatIsLeft()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = Tag();
        var created = await admin.PostFormAsync("/resellers/new", "/resellers/new", new()
        {
            ["Name"] = $"Reseller {tag}", ["Email"] = $"{tag}@resellers.example", ["Password"] = PortalSetupSteps.Password,
            ["Limits.MaxCustomers"] = "5", ["Limits.MaxDomains"] = "5", ["Limits.MaxMailboxes"] = "50", ["Limits.DiskQuotaMb"] = "2000",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        using var reseller = await PortalSession.SignInAsync(host, $"{tag}@resellers.example", PortalSetupSteps.Password);
        var response = await reseller.PostFormAsync("/customers/new", "/customers/new", new()
        {
            ["Name"] = "Too big", ["Email"] = $"big-{tag}@customers.example", ["Password"] = PortalSetupSteps.Password,
            ["Limits.MaxDomains"] = "1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "3000",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(PortalSession.Ct));
        Assert.Contains("so 2000 MB left and 3000 MB requested", html);
        Assert.Contains("Left in your pool:", html);
    }

    [Fact]
    public async Task MailboxOwner_SignsInWithMailboxPassword_AndIsLockedOutAfterFailures()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = Tag();
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        await PortalSetupSteps.CreateMailboxAsync(customer, $"{tag}.example", "owner", "mailbox-password-1");
        await PortalSetupSteps.CreateMailboxAsync(customer, $"{tag}.example", "victim", "mailbox-password-2");

        using (var owner = await PortalSession.SignInAsync(host, $"owner@{tag}.example", "mailbox-password-1"))
        {
            var my = await owner.GetStringAsync("/my");
            Assert.Contains($"owner@{tag}.example", my);
            Assert.Equal(HttpStatusCode.NotFound, await owner.StatusOfAsync($"/domains/{tag}.example"));
            Assert.Equal(HttpStatusCode.NotFound, await owner.StatusOfAsync("/apikeys"));
            var setup = await owner.GetStringAsync("/my/setup");
            Assert.Contains("1993", setup);
            Assert.Contains("1995", setup);
            Assert.Contains("STARTTLS", setup);
        }

        using var anonymous = new PortalSession(host.CreateClient());
        async Task<HttpResponseMessage> Attempt(string email, string password) =>
            await anonymous.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });

        Assert.Equal(HttpStatusCode.OK, (await Attempt($"nobody@{tag}.example", "whatever-password")).StatusCode);
        // Ten failures of one login from one client (Mail:Auth:MaxFailuresPerAddress) throttle that client for that login.
        for (var i = 0; i < 10; i++) await Attempt($"victim@{tag}.example", "wrong-password-x");
        var locked = await Attempt($"victim@{tag}.example", "mailbox-password-2");
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains("Too many failed attempts", await locked.Content.ReadAsStringAsync(PortalSession.Ct));
    }

    [Fact]
    public async Task DeletedMailbox_CannotSignIn_AndStaffRestoreIt()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = Tag();
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        await PortalSetupSteps.CreateMailboxAsync(customer, $"{tag}.example", "gone", "mailbox-password-1");
        var delete = await customer.PostFormAsync($"/domains/{tag}.example/mailboxes/gone/delete", $"/domains/{tag}.example/mailboxes/gone/delete", []);
        Assert.Equal(HttpStatusCode.Redirect, delete.StatusCode);

        using var anonymous = new PortalSession(host.CreateClient());
        var attempt = await anonymous.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = $"gone@{tag}.example", ["Password"] = "mailbox-password-1" });
        Assert.Equal(HttpStatusCode.OK, attempt.StatusCode);

        Assert.Contains($"gone@{tag}.example", await admin.GetStringAsync($"/deleted-mailboxes?q=gone@{tag}"));
        var restore = await admin.PostFormAsync("/deleted-mailboxes", "/deleted-mailboxes/restore", new() { ["domain"] = $"{tag}.example", ["localPart"] = "gone" });
        Assert.Equal(HttpStatusCode.Redirect, restore.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await customer.StatusOfAsync($"/domains/{tag}.example/mailboxes/gone"));
    }

    [Fact]
    public async Task ApiKey_IsShownOnce_ListedAndRevoked()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = Tag();
        var created = await admin.PostFormAsync("/apikeys", "/apikeys", new() { ["Name"] = $"key {tag}" });
        var html = await created.Content.ReadAsStringAsync(PortalSession.Ct);
        var key = System.Text.RegularExpressions.Regex.Match(html, "id=\"new-key-value\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(key));
        Assert.Contains("/api/docs", html);
        var list = await admin.GetStringAsync("/apikeys");
        Assert.Contains($"key {tag}", list);
        Assert.DoesNotContain(key, list);
    }

    [Fact]
    public async Task Lists_ArePagedAndSearchedOnTheServer()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = Tag();
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        var domain = $"{tag}.example";
        await PortalSetupSteps.CreateMailboxAsync(customer, domain, "adam");
        for (var i = 0; i < 27; i++)
        {
            var response = await customer.PostFormAsync($"/domains/{domain}/aliases/new", $"/domains/{domain}/aliases/new",
                new() { ["LocalPart"] = $"list{i:00}", ["Destinations"] = $"adam@{domain}" });
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        }

        var first = await customer.GetStringAsync($"/domains/{domain}/aliases");
        Assert.Contains("27 in total · page 1 of 2", first);
        Assert.Contains($"list24@{domain}", first);
        Assert.DoesNotContain($"list25@{domain}", first);
        var second = await customer.GetStringAsync($"/domains/{domain}/aliases?page=2");
        Assert.Contains($"list26@{domain}", second);
        Assert.DoesNotContain($"list00@{domain}", second);

        var searched = await customer.GetStringAsync($"/domains/{domain}/aliases?q=list1");
        Assert.Contains("10 in total", searched);
        var domains = await admin.GetStringAsync($"/domains?q={tag}");
        Assert.Contains("1 in total", domains);
        Assert.Contains($">{domain}</a>", domains);
    }

    private async Task<PortalSession> CreateSupportAsync(PortalSession admin)
    {
        var email = $"{Tag()}@staff.example";
        var response = await admin.PostFormAsync("/staff/new", "/staff/new", new()
        {
            ["Name"] = "Support person", ["Email"] = email, ["Password"] = PortalSetupSteps.Password, ["Role"] = "Support",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return await PortalSession.SignInAsync(host, email, PortalSetupSteps.Password);
    }
}
