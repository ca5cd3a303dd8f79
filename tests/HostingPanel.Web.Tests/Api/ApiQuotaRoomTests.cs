using System.Net;
using HostingPanel.Web.Tests.Portal;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// Issue 19 item 7 on the whole product: <c>GET/PUT /api/v1/domains/{domain}/quota</c> (what the next mailbox can
/// have, the proposal, the domain's own cap), the plan's <c>defaultMailboxQuotaMb</c>, the reseller's
/// <c>oversellPercent</c>, and the new-mailbox form that proposes a quota that fits and shows what is left.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiQuotaRoomTests(ApiHostFixture host)
{
    private const string Password = ApiHostFixture.Password;

    [Fact]
    public async Task TheDomainsQuota_ProposesWhatFits_TheCapBindsMailboxes_AndTheFormShowsIt()
    {
        using var admin = host.CreateAdminApiClient();
        var run = Unique("");
        var email = $"room-{run}@customers.example";
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Room " + run, email, password = Password,
            limits = new { maxDomains = 2, maxMailboxes = 4, diskQuotaMb = 1000 },
        });
        var customerId = customer["id"]!.GetValue<string>();
        Assert.Equal(0, customer["defaultMailboxQuotaMb"]!.GetValue<long>());
        var domain = $"room-{run}.example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId });
        using var client = host.CreateClient(await ApiHostFixture.KeyForAsync(admin, email));
        using var support = host.CreateClient(host.SupportKey);

        // An equal share of the plan among the mailboxes it still allows.
        var room = await GetAsync(client, $"/api/v1/domains/{domain}/quota");
        Assert.Equal((1000L, 4, 250L), (room["leftMb"]!.GetValue<long>(), room["mailboxesLeft"]!.GetValue<int>(), room["proposedQuotaMb"]!.GetValue<long>()));
        Assert.Null(room["capMb"]);

        // The customer caps the domain at 300 MB: a mailbox past it is refused on quotaMb, with the numbers.
        room = await OkAsync(client, HttpMethod.Put, $"/api/v1/domains/{domain}/quota", new { capMb = 300 });
        Assert.Equal((300L, 300L), (room["capMb"]!.GetValue<long>(), room["leftMb"]!.GetValue<long>()));
        await CreatedAsync(client, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "info", password = Password, quotaMb = 200 });
        var refused = await ProblemAsync(client, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes",
            new { localPart = "sales", password = Password, quotaMb = 101 }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["The domain's cap allows 300 MB of disk; 200 MB are allocated, so 100 MB left and 101 MB requested."], Errors(refused, "quotaMb"));
        await ProblemAsync(client, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/info", new { quotaMb = 301 }, HttpStatusCode.UnprocessableEntity);

        // Bad caps are field errors; support staff do not set caps; the cap comes off with null.
        Assert.NotEmpty(Errors(await ProblemAsync(client, HttpMethod.Put, $"/api/v1/domains/{domain}/quota", new { capMb = 0 }, HttpStatusCode.BadRequest), "capMb"));
        Assert.NotEmpty(Errors(await ProblemAsync(client, HttpMethod.Put, $"/api/v1/domains/{domain}/quota", new { capMb = 1001 }, HttpStatusCode.BadRequest), "capMb"));
        Assert.NotEmpty(Errors(await ProblemAsync(client, HttpMethod.Put, $"/api/v1/domains/{domain}/quota", new { capMb = 199 }, HttpStatusCode.UnprocessableEntity), "capMb"));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(support, HttpMethod.Put, $"/api/v1/domains/{domain}/quota", new { capMb = 500 })).Status);
        Assert.Equal(300, (await GetAsync(support, $"/api/v1/domains/{domain}/quota"))["capMb"]!.GetValue<long>());
        room = await OkAsync(client, HttpMethod.Put, $"/api/v1/domains/{domain}/quota", new { capMb = (long?)null });
        Assert.Null(room["capMb"]);
        Assert.Equal((800L, 3, 260L), (room["leftMb"]!.GetValue<long>(), room["mailboxesLeft"]!.GetValue<int>(), room["proposedQuotaMb"]!.GetValue<long>()));

        // The plan's default mailbox size is proposed once it is set (and refused past the plan's disk).
        var patched = await OkAsync(admin, HttpMethod.Patch, $"/api/v1/customers/{customerId}", new { defaultMailboxQuotaMb = 100 });
        Assert.Equal(100, patched["defaultMailboxQuotaMb"]!.GetValue<long>());
        await ProblemAsync(admin, HttpMethod.Patch, $"/api/v1/customers/{customerId}", new { defaultMailboxQuotaMb = 5000 }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(100, (await GetAsync(client, $"/api/v1/domains/{domain}/quota"))["proposedQuotaMb"]!.GetValue<long>());

        // The portal's new-mailbox form: the proposal in the field, and what is left beside it.
        using var portal = await PortalSession.SignInAsync(host, email, Password);
        var form = await portal.GetStringAsync($"/domains/{domain}/mailboxes/new");
        Assert.Matches("""id="QuotaMb"[^>]*value="100"|value="100"[^>]*id="QuotaMb""", form);
        Assert.Contains("data-left-mb=\"800\"", form);
        Assert.Contains("Proposed: the plan&#x27;s default size, 100 MB.", form);

        // The domain page's quota card: a bad cap is the page's error line, a good one is set.
        using (var refusedCap = await portal.PostFormAsync($"/domains/{domain}", $"/domains/{domain}/quota-cap", new() { ["capMb"] = "0" }))
            Assert.Equal($"/domains/{domain}#domain-quota", refusedCap.Headers.Location!.OriginalString);
        Assert.Contains("The cap must be at least 1 MB", await portal.GetStringAsync($"/domains/{domain}"));
        using (var setCap = await portal.PostFormAsync($"/domains/{domain}", $"/domains/{domain}/quota-cap", new() { ["capMb"] = "500" }))
            Assert.Equal(HttpStatusCode.Redirect, setCap.StatusCode);
        Assert.Contains($"The mailboxes of {domain} may now hold 500 MB together.", await portal.GetStringAsync($"/domains/{domain}"));
        Assert.Equal(500, (await GetAsync(client, $"/api/v1/domains/{domain}/quota"))["capMb"]!.GetValue<long>());
    }

    [Fact]
    public async Task Overselling_IsAPercentOfThePool_TheEarlierSwitchStillWorks_AndBadRatiosAreFieldErrors()
    {
        using var admin = host.CreateAdminApiClient();
        var run = Unique("");
        var reseller = await CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = "Ratio " + run, email = $"ratio-{run}@resellers.example", password = Password, oversellPercent = 150,
            limits = new { maxCustomers = 10, maxDomains = 10, maxMailboxes = 10, diskQuotaMb = 1000 },
        });
        Assert.Equal((150, true), (reseller["oversellPercent"]!.GetValue<int>(), reseller["allowOverselling"]!.GetValue<bool>()));
        var id = reseller["id"]!.GetValue<string>();
        using var asReseller = host.CreateClient(await ApiHostFixture.KeyForAsync(admin, $"ratio-{run}@resellers.example"));
        await CreatedAsync(asReseller, "/api/v1/customers", new
        {
            name = "Big " + run, email = $"big-{run}@customers.example", password = Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 1500 },
        });
        var over = await ProblemAsync(asReseller, HttpMethod.Post, "/api/v1/customers", new
        {
            name = "Small " + run, email = $"small-{run}@customers.example", password = Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 1 },
        }, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("at 150 %", over["detail"]!.GetValue<string>());

        Assert.NotEmpty(Errors(await ProblemAsync(admin, HttpMethod.Patch, $"/api/v1/resellers/{id}", new { oversellPercent = 99 }, HttpStatusCode.BadRequest), "oversellPercent"));
        Assert.NotEmpty(Errors(await ProblemAsync(admin, HttpMethod.Patch, $"/api/v1/resellers/{id}", new { oversellPercent = 120 }, HttpStatusCode.UnprocessableEntity), "oversellPercent"));
        var legacy = await OkAsync(admin, HttpMethod.Patch, $"/api/v1/resellers/{id}", new { allowOverselling = true });
        Assert.Equal(1000, legacy["oversellPercent"]!.GetValue<int>());
        // Only an admin sets it: the reseller's own key cannot.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(asReseller, HttpMethod.Patch, $"/api/v1/resellers/{id}", new { oversellPercent = 200 })).Status);
    }

    /// <summary>
    /// Issue 19 item 7: a mailbox created without <c>quotaMb</c> gets the domain's proposal; the plan's default mailbox
    /// size may be unlimited (-1), which is capped by what is left in the plan and the domain's cap, so no plan or pool is
    /// ever oversold by it; with nothing left, a mailbox without a quota is a field error on quotaMb.
    /// </summary>
    [Fact]
    public async Task MailboxWithoutQuota_GetsTheProposal_UnlimitedPlanDefault_IsWhatIsLeft()
    {
        using var admin = host.CreateAdminApiClient();
        var run = Unique("");
        var email = $"unl-{run}@customers.example";
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Unlimited " + run, email, password = Password,
            limits = new { maxDomains = 1, maxMailboxes = 3, diskQuotaMb = 900 },
        });
        var customerId = customer["id"]!.GetValue<string>();
        var domain = $"unl-{run}.example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId });
        using var client = host.CreateClient(await ApiHostFixture.KeyForAsync(admin, email));

        // No plan default: an equal share of 900 MB among 3 mailboxes.
        var first = await CreatedAsync(client, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "first", password = Password });
        Assert.Equal(300, first["quotaMb"]!.GetValue<long>());

        // Unlimited: the next mailbox is offered, and gets, everything left (600 MB), not more.
        Assert.NotEmpty(Errors(await ProblemAsync(admin, HttpMethod.Patch, $"/api/v1/customers/{customerId}", new { defaultMailboxQuotaMb = -2 }, HttpStatusCode.BadRequest), "defaultMailboxQuotaMb"));
        var patched = await OkAsync(admin, HttpMethod.Patch, $"/api/v1/customers/{customerId}", new { defaultMailboxQuotaMb = -1 });
        Assert.Equal(-1, patched["defaultMailboxQuotaMb"]!.GetValue<long>());
        var room = await GetAsync(client, $"/api/v1/domains/{domain}/quota");
        Assert.Equal((600L, 600L, -1L), (room["leftMb"]!.GetValue<long>(), room["proposedQuotaMb"]!.GetValue<long>(), room["defaultMailboxQuotaMb"]!.GetValue<long>()));
        var second = await CreatedAsync(client, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "second", password = Password });
        Assert.Equal(600, second["quotaMb"]!.GetValue<long>());

        // Nothing left: a mailbox without a quota is refused on quotaMb, saying why; one with a quota as before.
        var refused = await ProblemAsync(client, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "third", password = Password }, HttpStatusCode.BadRequest);
        Assert.Contains("No disk is left for another mailbox", Assert.Single(Errors(refused, "quotaMb")));
        await ProblemAsync(client, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "third", password = Password, quotaMb = 1 }, HttpStatusCode.UnprocessableEntity);
        // A quota given is still checked as before (0 is not "none").
        Assert.NotEmpty(Errors(await ProblemAsync(client, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "third", password = Password, quotaMb = 0 }, HttpStatusCode.BadRequest), "quotaMb"));
    }
}
