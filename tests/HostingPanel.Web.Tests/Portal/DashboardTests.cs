using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Figures the worker brings back (usage, samples, failures) as the dashboards and charts show them.</summary>
public sealed class DashboardTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    [Fact]
    public async Task Dashboards_ShowLargestMailboxes_Failures_AndTheDomainsUsageChart()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var tag = "d" + Guid.NewGuid().ToString("N")[..8];
        using var customer = await PortalSetupSteps.CustomerWithDomainAsync(host, admin, tag);
        await PortalSetupSteps.CreateMailboxAsync(customer, $"{tag}.example", "big");
        await PortalSetupSteps.CreateMailboxAsync(customer, $"{tag}.example", "broken");

        // What the worker would write: usage, hourly samples, and a failure.
        using (var scope = host.App.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            var domain = await db.Domains.IgnoreQueryFilters().SingleAsync(d => d.Name == $"{tag}.example", PortalSession.Ct);
            var big = await db.Mailboxes.IgnoreQueryFilters().SingleAsync(m => m.DomainId == domain.Id && m.LocalPart == "big", PortalSession.Ct);
            var broken = await db.Mailboxes.IgnoreQueryFilters().SingleAsync(m => m.DomainId == domain.Id && m.LocalPart == "broken", PortalSession.Ct);
            var usage = new MailboxUsage(big.Id);
            usage.Update(90L * 1024 * 1024, 1234, DateTimeOffset.UtcNow);
            db.MailboxUsages.Add(usage);
            broken.SetStatus(EntityStatus.Failed, $"engine refused {tag}");
            var now = DateTimeOffset.UtcNow;
            for (var h = 5; h >= 0; h--) db.UsageSamples.Add(new UsageSample(domain.Id, now.AddHours(-h), (6 - h) * 10L * 1024 * 1024, 100));
            await db.SaveChangesAsync(PortalSession.Ct);
        }

        var dashboard = await admin.GetStringAsync("/");
        Assert.Contains($"big@{tag}.example", dashboard);
        Assert.Contains($"engine refused {tag}", dashboard);
        Assert.Contains($"broken@{tag}.example", dashboard);

        var domainPage = await customer.GetStringAsync($"/domains/{tag}.example");
        Assert.Contains("id=\"usage-chart\"", domainPage);
        Assert.Contains("&quot;mb&quot;:60", domainPage);
        Assert.Contains("/js/usage-chart.js", domainPage);
        Assert.Contains("aria-label=\"Quota of big@" + tag + ".example\"", domainPage);

        // The customer's own dashboard shows its domain with its disk use, not other tenants'.
        var own = await customer.GetStringAsync("/");
        Assert.Contains($"{tag}.example", own);
        Assert.DoesNotContain("Provisioning failures", own);
    }
}
