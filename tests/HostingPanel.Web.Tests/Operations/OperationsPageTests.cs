using System.Net;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>A product left with its defaults: host name localhost, a self-signed certificate, listeners on loopback.</summary>
public sealed class FreshInstallFixture : MailHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        base.ExtraSettings().Where(s => s.Key != "Mail:Hostname").Append(new("Mail:Hostname", "localhost"));
}

/// <summary>The portal's operations pages over HTTP: mail tracking, routing check, the System page and the first-run check.</summary>
public sealed class OperationsPageTests(FreshInstallFixture host) : IClassFixture<FreshInstallFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminDashboard_NamesWhatIsNotReady_AndTheSystemPageShowsChecksAndFigures()
    {
        using var admin = await PortalSession.AdminAsync(host);
        var dashboard = await admin.GetStringAsync("/");
        Assert.Contains("Not ready for production", dashboard);
        Assert.Contains("Mail:Hostname is &#x27;localhost&#x27;", dashboard);
        Assert.Contains("self-signed certificate", dashboard);
        Assert.Contains("bind 127.0.0.1 only", dashboard);

        var system = await admin.GetStringAsync("/system");
        Assert.Contains("panel-database", system);
        Assert.Contains("mail-store", system);
        Assert.Contains("Outbound queue", system);
        Assert.Contains("Provisioning lag", system);
    }

    [Fact]
    public async Task Customer_TracksMailAndChecksRouting_InItsDomains_SystemPageIs404()
    {
        const string domain = "portal-tracking.example";
        await MailWorld.CustomerWithDomainAsync(host, domain, Ct);
        await MailWorld.MailboxAsync(host, domain, "box", ct: Ct);
        var id = $"{Guid.NewGuid():N}@portal.test";
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("evil@sender.example", $"box@{domain}", "hello", messageId: id), Ct));

        using var customer = await PortalSession.SignInAsync(host, $"owner@{domain}", "customer-password-1");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string page;
        // The page's own introduction says "delivered", so wait for the outcome badge of the line itself.
        const string deliveredBadge = ">delivered</span>";
        while (!(page = await customer.GetStringAsync($"/deliveries?messageId={Uri.EscapeDataString(id)}")).Contains(deliveredBadge) && DateTime.UtcNow < deadline)
            await Task.Delay(100, Ct);
        Assert.Contains(deliveredBadge, page);
        Assert.Contains($"box@{domain}", page);

        var routing = await customer.GetStringAsync($"/deliveries/routing?address=box@{domain}");
        Assert.Contains("routing-verdict", routing);
        Assert.Contains("250 2.1.5", routing);
        Assert.Contains("No such address in your domains", await customer.GetStringAsync("/deliveries/routing?address=someone@other.example"));
        Assert.Contains("Give a time like", await customer.GetStringAsync("/deliveries?since=not-a-time"));
        Assert.Equal(HttpStatusCode.NotFound, await customer.StatusOfAsync("/system"));
    }
}
