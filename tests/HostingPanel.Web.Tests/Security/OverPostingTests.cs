using System.Net;
using System.Text.Json.Nodes;
using HostingPanel.Web.Tests.Portal;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Security;

/// <summary>
/// Issue 10 item 3: fields a form or JSON body should not have (customerId, resellerId, quota, role, ownerId) cannot
/// move an object to another tenant or widen a limit; and nobody creates a user or key with rights above its own
/// (Stalwart #874 class).
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class OverPostingTests(MatrixWorld world)
{
    private MatrixTenant A => world.A;
    private MatrixTenant B => world.B;

    [Fact]
    public async Task ApiCustomer_CreatingADomainForAnotherTenant_Gets404_AndNothingIsCreated()
    {
        // Issue 16.11: another tenant's customerId is outside the caller's scope, so "not found", never silently replaced.
        var name = $"{world.Unique("op")}.a1.example";
        var (status, _, _) = await SendAsync(world.ApiClient(MatrixRole.Customer), HttpMethod.Post, "/api/v1/domains",
            new { name, customerId = B.CustomerId, resellerId = B.ResellerId, ownerId = B.CustomerId });
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(world.Admin, HttpMethod.Get, $"/api/v1/domains/{name}")).Item1);
        // Extra fields that are not the owner (resellerId, ownerId) are still ignored.
        var created = await CreatedAsync(world.ApiClient(MatrixRole.Customer), "/api/v1/domains", new { name, resellerId = B.ResellerId, ownerId = B.CustomerId });
        Assert.Equal(A.CustomerId, created["customerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiReseller_CreatingACustomerForAnotherReseller_OrAsAdmin_GetsItsOwnCustomer()
    {
        var email = world.Unique("op") + "@matrix.example";
        var reseller = world.ApiClient(MatrixRole.Reseller);
        var created = await CreatedAsync(reseller, "/api/v1/customers", new
        {
            name = "Over-posted", email, password = MatrixWorld.Password, resellerId = B.ResellerId, role = "admin",
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 },
        });
        Assert.Equal(A.ResellerId, created["resellerId"]!.GetValue<string>());
        // The login made with it is a customer's, whatever the body said.
        var key = await Api.ApiHostFixture.KeyForAsync(reseller, email);
        using var asNew = world.CreateClient(key);
        Assert.Equal("customer", (await GetAsync(asNew, "/api/v1/me"))["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApiPatch_WithTenantFields_MovesNothing()
    {
        var local = await world.FreshMailboxAsync(A);
        var customer = world.ApiClient(MatrixRole.Customer);
        var patched = await OkAsync(customer, HttpMethod.Patch, $"/api/v1/domains/{A.Domain}/mailboxes/{local}",
            new { displayName = "Moved?", domain = B.Domain, domainId = B.CustomerId, customerId = B.CustomerId, ownerId = B.CustomerId, role = "admin" });
        Assert.Equal(A.Domain, patched["domain"]!.GetValue<string>());
        var (status, _, _) = await SendAsync(world.Admin, HttpMethod.Get, $"/api/v1/domains/{B.Domain}/mailboxes/{local}");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task ApiTenants_CannotWidenTheirOwnPlanOrPool()
    {
        var huge = new { limits = new { maxCustomers = 1_000_000, maxDomains = 1_000_000, maxMailboxes = 1_000_000, diskQuotaMb = 100_000_000 } };
        await ProblemAsync(world.ApiClient(MatrixRole.Customer), HttpMethod.Patch, $"/api/v1/customers/{A.CustomerId}", huge, HttpStatusCode.NotFound);
        await ProblemAsync(world.ApiClient(MatrixRole.Reseller), HttpMethod.Patch, $"/api/v1/resellers/{A.ResellerId}", huge, HttpStatusCode.NotFound);
        // A reseller gives its customer no more than its pool holds.
        var problem = await ProblemAsync(world.ApiClient(MatrixRole.Reseller), HttpMethod.Patch, $"/api/v1/customers/{A.CustomerId}",
            new { limits = new { maxDomains = MatrixTenant.PlanDomains, maxMailboxes = MatrixTenant.PlanMailboxes, diskQuotaMb = MatrixTenant.ResellerDiskMb * 2 } },
            HttpStatusCode.UnprocessableEntity);
        Assert.NotEmpty(problem["errors"]!.AsObject());
        var customer = await GetAsync(world.Admin, $"/api/v1/customers/{A.CustomerId}");
        Assert.Equal(MatrixTenant.PlanDiskMb, customer["limits"]!["diskQuotaMb"]!.GetValue<long>());
        var reseller = await GetAsync(world.Admin, $"/api/v1/resellers/{A.ResellerId}");
        Assert.Equal(MatrixTenant.ResellerDiskMb, reseller["limits"]!["diskQuotaMb"]!.GetValue<long>());
    }

    [Fact]
    public async Task PortalCustomer_DomainFormWithAnotherCustomerId_Gets404_AndNothingIsCreated()
    {
        var name = $"{world.Unique("op")}.a1.example";
        var response = await PostAsync(MatrixRole.Customer, "/domains/new", new() { ["Name"] = name, ["CustomerId"] = B.CustomerId, ["ResellerId"] = B.ResellerId });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(world.Admin, HttpMethod.Get, $"/api/v1/domains/{name}")).Item1);
    }

    [Fact]
    public async Task PortalReseller_CustomerFormWithAnotherResellerId_CreatesItsOwn()
    {
        var email = world.Unique("op") + "@matrix.example";
        var response = await PostAsync(MatrixRole.Reseller, "/customers/new", new()
        {
            ["Name"] = "Over-posted " + email, ["Email"] = email, ["Password"] = MatrixWorld.Password, ["ResellerId"] = B.ResellerId, ["Role"] = "admin",
            ["Limits.MaxDomains"] = "1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "10",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var found = (await GetAsync(world.Admin, $"/api/v1/customers?search={Uri.EscapeDataString(email)}"))["items"]!.AsArray().Single()!;
        Assert.Equal(A.ResellerId, found["resellerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task PortalMailboxOwner_SettingsWithQuotaAndEnabledFields_ChangesOnlyItsSettings()
    {
        var response = await PostAsync(MatrixRole.MailboxOwner, "/my/settings", new()
        {
            ["ForwardTo"] = "", ["KeepCopy"] = "true", ["Pop3RetentionDays"] = "0",
            ["QuotaMb"] = "99999", ["Enabled"] = "false", ["CustomerId"] = B.CustomerId, ["Domain"] = B.Domain,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var mailbox = await GetAsync(world.Admin, $"/api/v1/domains/{A.Domain}/mailboxes/{MatrixTenant.Mailbox}");
        Assert.Equal(100, mailbox["quotaMb"]!.GetValue<long>());
        Assert.True(mailbox["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task PortalSupport_MailboxFormWithAQuota_LeavesTheQuota()
    {
        var local = await world.FreshMailboxAsync(A);
        var response = await PostAsync(MatrixRole.Support, $"/domains/{A.Domain}/mailboxes/{local}", new()
        {
            ["DisplayName"] = "Support edit", ["QuotaMb"] = "5000", ["Enabled"] = "true", ["ImapEnabled"] = "true", ["Pop3Enabled"] = "true", ["Pop3RetentionDays"] = "0",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var mailbox = await GetAsync(world.Admin, $"/api/v1/domains/{A.Domain}/mailboxes/{local}");
        Assert.Equal("Support edit", mailbox["displayName"]!.GetValue<string>());
        Assert.Equal(1, mailbox["quotaMb"]!.GetValue<long>());
    }

    /// <summary>Keys for users above or beside the caller: admin, support, another reseller's or a sibling's users.</summary>
    [Theory]
    [InlineData(MatrixRole.Reseller, "admin")]
    [InlineData(MatrixRole.Reseller, "support")]
    [InlineData(MatrixRole.Reseller, "other-reseller")]
    [InlineData(MatrixRole.Reseller, "other-customer")]
    [InlineData(MatrixRole.Reseller, "mailbox-owner")]
    [InlineData(MatrixRole.Customer, "reseller")]
    [InlineData(MatrixRole.Customer, "sibling")]
    [InlineData(MatrixRole.Customer, "admin")]
    [InlineData(MatrixRole.Support, "admin")]
    [InlineData(MatrixRole.Support, "reseller")]
    [InlineData(MatrixRole.Support, "customer")]
    [InlineData(MatrixRole.MailboxOwner, "mailbox-owner")]
    public async Task ApiKey_ForAUserWithOtherRights_IsRefused(MatrixRole caller, string target)
    {
        var email = target switch
        {
            "admin" => Infrastructure.PanelHostFixture.AdminEmail,
            "support" => MatrixWorld.SupportEmail,
            "reseller" => A.ResellerEmail,
            "customer" => A.CustomerEmail,
            "other-reseller" => B.ResellerEmail,
            "other-customer" => B.CustomerEmail,
            "sibling" => world.A2.CustomerEmail,
            _ => A.MailboxAddress,
        };
        await ProblemAsync(world.ApiClient(caller), HttpMethod.Post, "/api/v1/apikeys", new { name = "escalate", userEmail = email }, HttpStatusCode.NotFound);
        var keys = (await GetAsync(world.Admin, $"/api/v1/apikeys?search=escalate&pageSize=500"))["items"]!.AsArray();
        Assert.DoesNotContain(keys, k => k!["userEmail"]!.GetValue<string>() == email && k["name"]!.GetValue<string>() == "escalate");
    }

    [Fact]
    public async Task ApiKey_WithinTheCeiling_IsGranted()
    {
        // A reseller for its own customer; an admin for a reseller: both hold every right the key gives.
        await CreatedAsync(world.ApiClient(MatrixRole.Reseller), "/api/v1/apikeys", new { name = "allowed", userEmail = A.CustomerEmail });
        await CreatedAsync(world.Admin, "/api/v1/apikeys", new { name = "allowed", userEmail = A.ResellerEmail });
    }

    [Fact]
    public async Task PortalApiKeyForm_ForAnAdmin_ShowsTheRefusalBesideTheField()
    {
        var response = await PostAsync(MatrixRole.Reseller, "/apikeys", new() { ["Name"] = "escalate", ["UserEmail"] = Infrastructure.PanelHostFixture.AdminEmail });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Matches("data-valmsg-for=\"UserEmail\"[^>]*>There is no such user among yours\\.<", html);
    }

    private async Task<HttpResponseMessage> PostAsync(MatrixRole role, string path, Dictionary<string, string> form)
    {
        form["__RequestVerificationToken"] = await world.TokenAsync(role);
        return await world.Portal(role).Client.PostAsync(path, new FormUrlEncodedContent(form), Ct);
    }
}
