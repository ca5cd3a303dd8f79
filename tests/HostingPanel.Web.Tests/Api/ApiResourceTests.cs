using System.Net;
using System.Text.Json.Nodes;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>Each endpoint over real HTTP, per role: what it returns and what it refuses.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiResourceTests(ApiHostFixture host)
{
    private static readonly object Limits = new { maxDomains = 3, maxMailboxes = 3, diskQuotaMb = 1000 };

    [Fact]
    public async Task Admin_CreatesTheWholeTree_EachAnswerPendingAndCamelCase()
    {
        using var admin = host.CreateAdminApiClient();
        var email = Unique("r") + "@resellers.example";
        var (status, json, response) = await SendAsync(admin, HttpMethod.Post, "/api/v1/resellers", new
        {
            name = "Tree Reseller", email, password = ApiHostFixture.Password,
            limits = new { maxCustomers = 2, maxDomains = 4, maxMailboxes = 4, diskQuotaMb = 4000 },
        });
        Assert.Equal(HttpStatusCode.Created, status);
        var reseller = json!.AsObject();
        var resellerId = reseller["id"]!.GetValue<string>();
        Assert.Equal($"/api/v1/resellers/{resellerId}", response.Headers.Location!.OriginalString);
        Assert.Equal(email, reseller["email"]!.GetValue<string>());
        Assert.Equal("active", reseller["status"]!.GetValue<string>());
        Assert.Equal(4, reseller["limits"]!["maxDomains"]!.GetValue<int>());
        Assert.Equal(0, reseller["allocated"]!["maxCustomers"]!.GetValue<int>());
        Assert.Equal(resellerId, (await GetAsync(admin, $"/api/v1/resellers/{resellerId}"))["id"]!.GetValue<string>());

        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Tree Customer", email = Unique("c") + "@customers.example", password = ApiHostFixture.Password, resellerId, limits = Limits,
        });
        var customerId = customer["id"]!.GetValue<string>();
        Assert.Equal(resellerId, customer["resellerId"]!.GetValue<string>());
        Assert.Equal(3, customer["limits"]!["maxMailboxes"]!.GetValue<int>());

        var domainName = Unique("tree") + ".example";
        var domain = await CreatedAsync(admin, "/api/v1/domains", new { name = domainName.ToUpperInvariant(), customerId });
        Assert.Equal(domainName, domain["name"]!.GetValue<string>());
        Assert.Equal("pending", domain["status"]!.GetValue<string>());
        Assert.Equal(customerId, domain["customerId"]!.GetValue<string>());

        var mailbox = await CreatedAsync(admin, $"/api/v1/domains/{domainName}/mailboxes", new
        {
            localPart = "John.Doe", password = ApiHostFixture.Password, quotaMb = 250, displayName = "John Doe",
        });
        Assert.Equal($"john.doe@{domainName}", mailbox["address"]!.GetValue<string>());
        Assert.Equal(250, mailbox["quotaMb"]!.GetValue<long>());
        Assert.Equal(0, mailbox["usedBytes"]!.GetValue<long>());
        Assert.Equal(0, mailbox["messageCount"]!.GetValue<long>());
        Assert.Equal("pending", mailbox["status"]!.GetValue<string>());
        Assert.True(mailbox["imapEnabled"]!.GetValue<bool>());
        Assert.Null(mailbox["password"]);

        var alias = await CreatedAsync(admin, $"/api/v1/domains/{domainName}/aliases", new { localPart = "*", destinations = new[] { $"john.doe@{domainName}" } });
        Assert.True(alias["isCatchAll"]!.GetValue<bool>());
        Assert.Equal("pending", alias["status"]!.GetValue<string>());

        var read = await GetAsync(admin, $"/api/v1/domains/{domainName}");
        Assert.Equal(1, read["mailboxCount"]!.GetValue<int>());
        Assert.Equal(1, read["aliasCount"]!.GetValue<int>());
        Assert.Equal(250, read["quotaMb"]!.GetValue<long>());
        Assert.Equal(0, read["usedBytes"]!.GetValue<long>());

        var usage = await GetAsync(admin, $"/api/v1/customers/{customerId}");
        Assert.Equal(1, usage["allocated"]!["domains"]!.GetValue<int>());
        Assert.Equal(250, usage["allocated"]!["quotaMb"]!.GetValue<long>());
    }

    [Fact]
    public async Task IdnDomain_IsStoredInALabelForm_AndFoundByEitherForm()
    {
        using var customer = host.Client(host.B.CustomerKey);
        var tag = Unique("");
        var created = await CreatedAsync(customer, "/api/v1/domains", new { name = $"bücher-{tag}.example" });
        Assert.StartsWith("xn--", created["name"]!.GetValue<string>());
        Assert.Equal($"bücher-{tag}.example", created["displayName"]!.GetValue<string>());
        Assert.Equal(host.B.CustomerId, created["customerId"]!.GetValue<string>());
        var byUnicode = await GetAsync(customer, $"/api/v1/domains/{Uri.EscapeDataString($"bücher-{tag}.example")}");
        Assert.Equal(created["name"]!.GetValue<string>(), byUnicode["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(customer, HttpMethod.Delete, $"/api/v1/domains/{created["name"]}")).Status);
    }

    [Fact]
    public async Task ResellerKey_CreatesItsOwnCustomers_OutOfItsPool()
    {
        using var admin = host.CreateAdminApiClient();
        var email = Unique("pool") + "@resellers.example";
        await CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = "Small Pool", email, password = ApiHostFixture.Password,
            limits = new { maxCustomers = 5, maxDomains = 2, maxMailboxes = 2, diskQuotaMb = 500 },
        });
        using var reseller = host.Client(await ApiHostFixture.KeyForAsync(admin, email));
        var me = await GetAsync(reseller, "/api/v1/me");

        // resellerId of somebody else is ignored: a reseller's customers are its own.
        var customer = await CreatedAsync(reseller, "/api/v1/customers", new
        {
            name = "First", email = Unique("c") + "@customers.example", password = ApiHostFixture.Password,
            resellerId = host.B.ResellerId, limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 400 },
        });
        Assert.Equal(me["resellerId"]!.GetValue<string>(), customer["resellerId"]!.GetValue<string>());

        var problem = await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/customers", new
        {
            name = "Second", email = Unique("c") + "@customers.example", password = ApiHostFixture.Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 200 },
        }, HttpStatusCode.UnprocessableEntity);
        var message = Errors(problem, "limits").Single();
        Assert.Equal("The reseller's pool allows 500 MB of disk; 400 MB are allocated, so 100 MB left and 200 MB requested.", message);
        Assert.Equal(message, problem["detail"]!.GetValue<string>());

        // The pool cannot shrink below what its plans hold, and only admins change it.
        var id = me["resellerId"]!.GetValue<string>();
        await ProblemAsync(reseller, HttpMethod.Patch, $"/api/v1/resellers/{id}", new { name = "Renamed" }, HttpStatusCode.NotFound);
        var shrink = await ProblemAsync(admin, HttpMethod.Patch, $"/api/v1/resellers/{id}",
            new { limits = new { maxCustomers = 5, maxDomains = 2, maxMailboxes = 2, diskQuotaMb = 100 } }, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("disk", Errors(shrink, "limits").Single());
    }

    [Fact]
    public async Task PlanLimits_Are422_NamingTheLimitAndWhatIsLeft()
    {
        using var reseller = host.Client(host.A.ResellerKey);
        var customer = await CreatedAsync(reseller, "/api/v1/customers", new
        {
            name = "Tiny", email = Unique("tiny") + "@customers.example", password = ApiHostFixture.Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 100 },
        });
        var id = customer["id"]!.GetValue<string>();
        var domain = Unique("tiny") + ".example";
        await CreatedAsync(reseller, "/api/v1/domains", new { name = domain, customerId = id });

        var second = await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/domains", new { name = Unique("tiny") + ".example", customerId = id }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("The plan allows 1 domains; 1 are in use, so 0 left and 1 requested.", Errors(second, "name").Single());

        var tooBig = await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes",
            new { localPart = "big", password = ApiHostFixture.Password, quotaMb = 101 }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("The plan allows 100 MB of disk; 0 MB are allocated, so 100 MB left and 101 MB requested.", Errors(tooBig, "quotaMb").Single());

        await CreatedAsync(reseller, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "one", password = ApiHostFixture.Password, quotaMb = 60 });
        var count = await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes",
            new { localPart = "two", password = ApiHostFixture.Password, quotaMb = 10 }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("The plan allows 1 mailboxes; 1 are in use, so 0 left and 1 requested.", Errors(count, "localPart").Single());

        var grow = await ProblemAsync(reseller, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/one", new { quotaMb = 150 }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("The plan allows 100 MB of disk; 0 MB are allocated, so 100 MB left and 150 MB requested.", Errors(grow, "quotaMb").Single());

        var shrinkPlan = await ProblemAsync(reseller, HttpMethod.Patch, $"/api/v1/customers/{id}",
            new { limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 50 } }, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("disk", Errors(shrinkPlan, "limits").Single());
    }

    [Fact]
    public async Task Duplicates_Are409_WithTheField()
    {
        using var reseller = host.Client(host.A.ResellerKey);
        var domain = await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/domains", new { name = host.B.Domain, customerId = host.A.CustomerId }, HttpStatusCode.Conflict);
        Assert.Equal($"The domain {host.B.Domain} is already hosted here.", Errors(domain, "name").Single());

        var mailbox = await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/domains/{host.A.Domain}/mailboxes",
            new { localPart = "INFO", password = ApiHostFixture.Password, quotaMb = 10 }, HttpStatusCode.Conflict);
        Assert.Equal($"info@{host.A.Domain} already exists.", Errors(mailbox, "localPart").Single());

        var aliasOverMailbox = await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/domains/{host.A.Domain}/aliases",
            new { localPart = "info", destinations = new[] { "x@elsewhere.example" } }, HttpStatusCode.Conflict);
        Assert.Equal($"info@{host.A.Domain} already exists.", Errors(aliasOverMailbox, "localPart").Single());

        var email = await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/customers", new
        {
            name = "Dup", email = host.B.CustomerEmail, password = ApiHostFixture.Password, limits = Limits,
        }, HttpStatusCode.Conflict);
        Assert.Equal($"A user with the email {host.B.CustomerEmail} already exists.", Errors(email, "email").Single());
    }

    [Fact]
    public async Task Mailbox_Patch_Delete_Restore()
    {
        using var customer = host.Client(host.A.CustomerKey);
        var path = $"/api/v1/domains/{host.A.Domain}/mailboxes/patchme";
        await CreatedAsync(customer, $"/api/v1/domains/{host.A.Domain}/mailboxes", new { localPart = "patchme", password = ApiHostFixture.Password, quotaMb = 20 });

        var patched = await OkAsync(customer, HttpMethod.Patch, path, new
        {
            quotaMb = 30, displayName = "Patched", enabled = false, imapEnabled = false, pop3RetentionDays = 14, password = "another-long-password",
        });
        Assert.Equal(30, patched["quotaMb"]!.GetValue<long>());
        Assert.Equal("Patched", patched["displayName"]!.GetValue<string>());
        Assert.False(patched["enabled"]!.GetValue<bool>());
        Assert.False(patched["imapEnabled"]!.GetValue<bool>());
        Assert.True(patched["pop3Enabled"]!.GetValue<bool>());
        Assert.Equal(14, patched["pop3RetentionDays"]!.GetValue<int>());
        Assert.Equal("pending", patched["status"]!.GetValue<string>());

        // Fields left out stay as they are.
        var again = await OkAsync(customer, HttpMethod.Patch, path, new { pop3Enabled = false });
        Assert.Equal(30, again["quotaMb"]!.GetValue<long>());
        Assert.Equal("Patched", again["displayName"]!.GetValue<string>());
        Assert.False(again["pop3Enabled"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(customer, HttpMethod.Delete, path)).Status);
        await ProblemAsync(customer, HttpMethod.Get, path, null, HttpStatusCode.NotFound);
        // Only staff restore.
        await ProblemAsync(customer, HttpMethod.Post, path + "/restore", null, HttpStatusCode.NotFound);
        using var support = host.Client(host.SupportKey);
        var restored = await OkAsync(support, HttpMethod.Post, path + "/restore");
        Assert.Equal("pending", restored["status"]!.GetValue<string>());
        Assert.Equal(30, (await GetAsync(customer, path))["quotaMb"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(customer, HttpMethod.Delete, path)).Status);
    }

    [Fact]
    public async Task Alias_Create_Read_Replace_Delete_AndCatchAllInPath()
    {
        using var reseller = host.Client(host.B.ResellerKey);
        var domain = host.B.Domain;
        var created = await CreatedAsync(reseller, $"/api/v1/domains/{domain}/aliases",
            new { localPart = "Team", destinations = new[] { $"info@{domain}", "Boss@Partner.example", $"info@{domain}" } });
        Assert.Equal($"team@{domain}", created["address"]!.GetValue<string>());
        Assert.Equal([$"boss@partner.example", $"info@{domain}"], created["destinations"]!.AsArray().Select(d => d!.GetValue<string>()));

        var replaced = await OkAsync(reseller, HttpMethod.Put, $"/api/v1/domains/{domain}/aliases/team", new { destinations = new[] { "new@partner.example" } });
        Assert.Equal(["new@partner.example"], replaced["destinations"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal("new@partner.example", (await GetAsync(reseller, $"/api/v1/domains/{domain}/aliases/team"))["destinations"]![0]!.GetValue<string>());

        await CreatedAsync(reseller, $"/api/v1/domains/{domain}/aliases", new { localPart = "*", destinations = new[] { $"info@{domain}" } });
        Assert.True((await GetAsync(reseller, $"/api/v1/domains/{domain}/aliases/*"))["isCatchAll"]!.GetValue<bool>());
        var second = await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/domains/{domain}/aliases", new { localPart = "*", destinations = new[] { $"info@{domain}" } }, HttpStatusCode.Conflict);
        Assert.Equal($"{domain} already has a catch-all.", Errors(second, "localPart").Single());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(reseller, HttpMethod.Delete, $"/api/v1/domains/{domain}/aliases/*")).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(reseller, HttpMethod.Delete, $"/api/v1/domains/{domain}/aliases/team")).Status);
        await ProblemAsync(reseller, HttpMethod.Get, $"/api/v1/domains/{domain}/aliases/team", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Lists_PageSearchAndOrderStably()
    {
        using var admin = host.CreateAdminApiClient();
        var tag = Unique("list");
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = $"List {tag}", email = $"{tag}@customers.example", password = ApiHostFixture.Password,
            limits = new { maxDomains = 5, maxMailboxes = 0, diskQuotaMb = 0 },
        });
        var id = customer["id"]!.GetValue<string>();
        foreach (var n in new[] { "c", "a", "e", "b", "d" })
            await CreatedAsync(admin, "/api/v1/domains", new { name = $"{n}-{tag}.example", customerId = id });

        var first = await GetAsync(admin, $"/api/v1/domains?customerId={id}&pageSize=2");
        Assert.Equal(5, first["total"]!.GetValue<int>());
        Assert.Equal(1, first["page"]!.GetValue<int>());
        Assert.Equal(2, first["pageSize"]!.GetValue<int>());
        Assert.Equal([$"a-{tag}.example", $"b-{tag}.example"], first["items"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
        var third = await GetAsync(admin, $"/api/v1/domains?customerId={id}&pageSize=2&page=3");
        Assert.Equal([$"e-{tag}.example"], third["items"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
        var beyond = await GetAsync(admin, $"/api/v1/domains?customerId={id}&pageSize=2&page=9");
        Assert.Empty(beyond["items"]!.AsArray());

        var search = await GetAsync(admin, $"/api/v1/domains?search={Uri.EscapeDataString("D-" + tag.ToUpperInvariant())}");
        Assert.Equal([$"d-{tag}.example"], search["items"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
        var byCustomerName = await GetAsync(admin, $"/api/v1/domains?search={tag}&pageSize=500");
        Assert.Equal(5, byCustomerName["total"]!.GetValue<int>());

        var customers = await GetAsync(admin, $"/api/v1/customers?search={tag}");
        Assert.Equal(id, customers["items"]![0]!["id"]!.GetValue<string>());
        var mailboxes = await GetAsync(admin, $"/api/v1/domains/{host.A.Domain}/mailboxes?search=INF");
        Assert.Equal("info", mailboxes["items"]![0]!["localPart"]!.GetValue<string>());
        var aliases = await GetAsync(admin, $"/api/v1/domains/{host.A.Domain}/aliases?search=sal");
        Assert.Equal("sales", aliases["items"]![0]!["localPart"]!.GetValue<string>());
        var resellers = await GetAsync(admin, "/api/v1/resellers?search=reseller%20a&pageSize=500");
        Assert.Contains(resellers["items"]!.AsArray(), r => r!["id"]!.GetValue<string>() == host.A.ResellerId);
    }

    [Fact]
    public async Task Support_ManagesMailboxes_ButNotTenantsOrQuotas()
    {
        using var support = host.Client(host.SupportKey);
        var domains = await GetAsync(support, "/api/v1/domains?pageSize=500");
        Assert.Contains(domains["items"]!.AsArray(), d => d!["name"]!.GetValue<string>() == host.A.Domain);
        Assert.Contains(domains["items"]!.AsArray(), d => d!["name"]!.GetValue<string>() == host.B.Domain);
        Assert.Equal(host.A.ResellerId, (await GetAsync(support, $"/api/v1/resellers/{host.A.ResellerId}"))["id"]!.GetValue<string>());

        var box = $"/api/v1/domains/{host.B.Domain}/mailboxes/info";
        Assert.Equal("Helped", (await OkAsync(support, HttpMethod.Patch, box, new { displayName = "Helped" }))["displayName"]!.GetValue<string>());
        var quota = await ProblemAsync(support, HttpMethod.Patch, box, new { quotaMb = 555 }, HttpStatusCode.BadRequest);
        Assert.Equal("Support staff cannot change quotas.", Errors(quota, "quotaMb").Single());

        await ProblemAsync(support, HttpMethod.Post, "/api/v1/resellers", new
        {
            name = "No", email = Unique("no") + "@x.example", password = ApiHostFixture.Password,
            limits = new { maxCustomers = 1, maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 1 },
        }, HttpStatusCode.NotFound);
        await ProblemAsync(support, HttpMethod.Post, "/api/v1/customers", new
        {
            name = "No", email = Unique("no") + "@x.example", password = ApiHostFixture.Password, limits = Limits,
        }, HttpStatusCode.NotFound);
        await ProblemAsync(support, HttpMethod.Patch, $"/api/v1/customers/{host.A.CustomerId}", new { enabled = false }, HttpStatusCode.NotFound);
        await ProblemAsync(support, HttpMethod.Post, "/api/v1/domains", new { name = Unique("no") + ".example", customerId = host.A.CustomerId }, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Customer_SeesOnlyItself_AndCannotTouchTenants()
    {
        using var customer = host.Client(host.A.CustomerKey);
        Assert.Equal(host.A.CustomerId, (await GetAsync(customer, $"/api/v1/customers/{host.A.CustomerId}"))["id"]!.GetValue<string>());
        Assert.Equal(0, (await GetAsync(customer, "/api/v1/customers"))["total"]!.GetValue<int>());
        Assert.Equal(0, (await GetAsync(customer, "/api/v1/resellers"))["total"]!.GetValue<int>());
        var domains = (await GetAsync(customer, "/api/v1/domains?pageSize=500"))["items"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToList();
        Assert.Contains(host.A.Domain, domains);
        Assert.DoesNotContain(host.A.SiblingDomain, domains);
        Assert.DoesNotContain(host.B.Domain, domains);
        await ProblemAsync(customer, HttpMethod.Get, $"/api/v1/resellers/{host.A.ResellerId}", null, HttpStatusCode.NotFound);
        await ProblemAsync(customer, HttpMethod.Patch, $"/api/v1/customers/{host.A.CustomerId}", new { limits = new { maxDomains = 99, maxMailboxes = 99, diskQuotaMb = 99999 } }, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("customer")]
    [InlineData("reseller")]
    public async Task Suspending_SetsSuspended_AndQueuesTheChangeForTheEngine(string level)
    {
        using var admin = host.CreateAdminApiClient();
        var email = Unique("susp") + "@resellers.example";
        var reseller = await CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = "Suspend Me", email, password = ApiHostFixture.Password,
            limits = new { maxCustomers = 1, maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 100 },
        });
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Suspend Me Too", email = Unique("susp") + "@customers.example", password = ApiHostFixture.Password,
            resellerId = reseller["id"]!.GetValue<string>(), limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 100 },
        });
        var id = (level == "customer" ? customer : reseller)["id"]!.GetValue<string>();
        var path = $"/api/v1/{level}s/{id}";

        var suspended = await OkAsync(admin, HttpMethod.Patch, path, new { enabled = false });
        Assert.False(suspended["enabled"]!.GetValue<bool>());
        Assert.Equal("suspended", suspended["status"]!.GetValue<string>());
        Assert.Equal("suspended", (await GetAsync(admin, path))["status"]!.GetValue<string>());

        var entityType = level == "customer" ? OutboxEntityType.Customer : OutboxEntityType.Reseller;
        using (var scope = host.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            Assert.Equal(1, await db.Outbox.CountAsync(o => o.EntityType == entityType && o.EntityId == Guid.Parse(id), Ct));
        }

        var resumed = await OkAsync(admin, HttpMethod.Patch, path, new { enabled = true });
        Assert.Equal("active", resumed["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeletingADomain_HidesItAndItsMailboxes()
    {
        using var customer = host.Client(host.B.CustomerKey);
        var domain = Unique("gone") + ".example";
        await CreatedAsync(customer, "/api/v1/domains", new { name = domain });
        await CreatedAsync(customer, $"/api/v1/domains/{domain}/aliases", new { localPart = "x", destinations = new[] { "y@partner.example" } });
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(customer, HttpMethod.Delete, $"/api/v1/domains/{domain}")).Status);
        await ProblemAsync(customer, HttpMethod.Get, $"/api/v1/domains/{domain}", null, HttpStatusCode.NotFound);
        await ProblemAsync(customer, HttpMethod.Get, $"/api/v1/domains/{domain}/aliases", null, HttpStatusCode.NotFound);
        await ProblemAsync(customer, HttpMethod.Delete, $"/api/v1/domains/{domain}", null, HttpStatusCode.NotFound);
    }
}
