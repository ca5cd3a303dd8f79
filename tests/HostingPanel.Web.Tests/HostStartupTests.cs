using System.Net;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests;

public sealed class HostStartupTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    [Fact]
    public async Task LoginPage_IsServed_WithBootstrap()
    {
        using var client = host.CreateClient();
        var page = await client.GetStringAsync("/account/login", TestContext.Current.CancellationToken);
        Assert.Contains("<form method=\"post\" action=\"/account/login\"", page);
        Assert.Contains("__RequestVerificationToken", page);
        Assert.Contains("Email or mailbox address", page);
        var css = await client.GetAsync("/lib/bootstrap/bootstrap.min.css", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, css.StatusCode);
    }

    [Fact]
    public async Task PortalPages_RedirectAnonymousVisitorsToLogin()
    {
        using var client = host.CreateClient();
        var response = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }
}
