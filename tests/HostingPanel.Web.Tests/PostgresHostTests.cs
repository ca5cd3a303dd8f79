using System.Net;
using System.Net.Http.Json;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests;

/// <summary>The real host on PostgreSQL: migrations applied at start, first admin and automation key present.</summary>
public sealed class PostgresHostTests(PostgresPanelHostFixture host) : IClassFixture<PostgresPanelHostFixture>
{
    [Fact]
    public async Task Host_OnPostgreSql_ServesTheLoginPage_AndAdminCanSignIn()
    {
        host.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        using var client = host.CreateClient();
        var page = await client.GetStringAsync("/account/login", ct);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = PanelHostFixture.AdminEmail,
            ["Password"] = PanelHostFixture.AdminPassword,
            ["__RequestVerificationToken"] = token,
        }), ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }
}
