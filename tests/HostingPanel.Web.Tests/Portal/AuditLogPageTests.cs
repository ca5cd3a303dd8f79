using System.Net;
using HostingPanel.Application.Audit;
using HostingPanel.Application.Common;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>The audit log page: who changed what, when, from where; scoped to the viewer's tenants.</summary>
public sealed class AuditLogPageTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_SeesWhoChangedWhatAndFromWhere()
    {
        using var admin = await PortalSession.AdminAsync(host);
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "auditone");

        var page = await admin.GetStringAsync("/audit?EntityKey=auditone.example");
        Assert.Contains("auditone@customers.example", page);
        Assert.Contains("domain.create", page);
        Assert.Contains("Domain", page);
        Assert.Contains("auditone.example", page);
        Assert.Contains("127.0.0.1", page);
        Assert.Contains("Customer auditone", page); // the tenant column
        Assert.Contains("href=\"/audit\"", await admin.GetStringAsync("/"));
    }

    [Fact]
    public async Task Customer_SeesOnlyItsOwnTenantsEntries()
    {
        using var admin = await PortalSession.AdminAsync(host);
        using var first = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "auditmine");
        using var second = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "audittheirs");

        var page = await first.GetStringAsync("/audit");
        Assert.Contains("auditmine.example", page);
        Assert.DoesNotContain("audittheirs", page);
        Assert.DoesNotContain("auditmine", await second.GetStringAsync("/audit"));
        // Customers get no tenant filter: passing another tenant's id widens nothing.
        Assert.Contains("href=\"/audit\"", await first.GetStringAsync("/"));
    }

    [Fact]
    public async Task Filters_Narrow_AndInputIsEncoded()
    {
        using var admin = await PortalSession.AdminAsync(host);
        using var a = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "auditfa");
        using var b = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "auditfb");

        var byUser = await admin.GetStringAsync("/audit?Actor=auditfa%40customers");
        Assert.Contains("auditfa.example", byUser);
        Assert.DoesNotContain("auditfb.example", byUser);

        var byType = await admin.GetStringAsync("/audit?EntityType=Domain&EntityKey=auditf");
        Assert.Contains("auditfa.example", byType);
        Assert.Contains("auditfb.example", byType);
        Assert.DoesNotContain("customer.create", byType);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        Assert.Contains("auditfb.example", await admin.GetStringAsync($"/audit?EntityKey=auditfb&From={today}&To={today}"));
        var past = await admin.GetStringAsync("/audit?EntityKey=auditfb&From=2020-01-01&To=2020-01-31");
        Assert.DoesNotContain("auditfb.example<", past);
        Assert.Contains("No entries found.", past);

        var hostile = await admin.GetStringAsync("/audit?Actor=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        Assert.DoesNotContain("<script>alert(1)", hostile);
    }

    [Fact]
    public async Task BadDateRange_ShowsTheValidationMessage()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var page = await admin.GetStringAsync("/audit?From=2026-02-01&To=2026-01-01");
        Assert.Contains("The end date must not be before the start date.", page);
        Assert.Contains("No entries found.", page);
        Assert.Contains("The page size must be between 1 and 200.", await admin.GetStringAsync("/audit?PageSize=100000"));
    }

    [Fact]
    public async Task Reseller_SeesItsCustomersEntries_AndStaffCanFilterByReseller()
    {
        Guid resellerId;
        await using (var scope = host.App.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(new Actor("test-admin", PanelHostFixture.AdminEmail, Roles.Admin));
            var created = await scope.ServiceProvider.GetRequiredService<HostingPanel.Application.Resellers.ResellerService>().CreateAsync(new()
            {
                Name = "Audit Reseller", Email = "auditres@resellers.example", Password = PortalSetupSteps.Password,
                Limits = new() { MaxCustomers = 5, MaxDomains = 5, MaxMailboxes = 10, DiskQuotaMb = 5000 },
            }, Ct);
            Assert.True(created.Succeeded);
            resellerId = created.Value!.Id;
        }
        using var admin = await PortalSession.AdminAsync(host);
        await PortalSetupSteps.CreateCustomerAsync(admin, "Resold Co", "auditresold@customers.example", resellerId: resellerId);
        using (var resold = await PortalSession.SignInAsync(host, "auditresold@customers.example", PortalSetupSteps.Password))
            await PortalSetupSteps.CreateDomainAsync(resold, "auditresold.example");
        using var direct = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, "auditdirect");

        using var reseller = await PortalSession.SignInAsync(host, "auditres@resellers.example", PortalSetupSteps.Password);
        var page = await reseller.GetStringAsync("/audit");
        Assert.Contains("auditresold.example", page);
        Assert.DoesNotContain("auditdirect", page);

        var filtered = await admin.GetStringAsync($"/audit?ResellerId={resellerId}");
        Assert.Contains("auditresold.example", filtered);
        Assert.DoesNotContain("auditdirect.example", filtered);
    }

    [Fact]
    public async Task MailboxUser_HasNoAuditLog()
    {
        await using var scope = host.App.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>()
            .Use(new Actor("mbx", "owner@x.example", Roles.MailboxUser, CustomerId: Guid.NewGuid(), MailboxId: Guid.NewGuid()));
        var result = await scope.ServiceProvider.GetRequiredService<AuditLogService>().ListAsync(new AuditLogFilter(), Ct);
        Assert.Equal(FailureKind.NotFound, result.Failure?.Kind);
    }

    [Fact]
    public async Task Anonymous_IsSentToLogin()
    {
        using var client = host.CreateClient();
        var response = await client.GetAsync("/audit", Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }
}
