using System.Net;
using System.Text.Json.Nodes;
using HostingPanel.Web.Tests.Infrastructure;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>The host with a tiny rate limit: 3 requests at once, 1 more per second, per key.</summary>
public sealed class RateLimitedHostFixture : PanelHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        [.. base.ExtraSettings(), new("Api:RateLimit:Burst", "3"), new("Api:RateLimit:PerSecond", "1")];
}

public sealed class ApiRateLimitTests(RateLimitedHostFixture host) : IClassFixture<RateLimitedHostFixture>
{
    [Fact]
    public async Task OverTheLimit_Is429WithRetryAfter_PerKey()
    {
        using var admin = host.CreateAdminApiClient();
        var other = await ApiHostFixture.KeyForAsync(admin, PanelHostFixture.AdminEmail);

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await admin.GetAsync("/api/v1/me", Ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) limited = response;
            else Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.NotNull(limited);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        var problem = AssertProblem(limited, JsonNode.Parse(await limited.Content.ReadAsStringAsync(Ct)), HttpStatusCode.TooManyRequests);
        Assert.Contains("retry after", problem["detail"]!.GetValue<string>());

        // Another key has its own budget.
        using var second = host.CreateClient(other);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/me", Ct)).StatusCode);

        // And the first key gets requests back as time passes.
        await Task.Delay(TimeSpan.FromSeconds(retryAfter.Value.TotalSeconds + 0.2), Ct);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/me", Ct)).StatusCode);
    }
}
