using System.Net;
using HostingPanel.Web.Hosting;
using HostingPanel.Web.Hosting.Metrics;
using Microsoft.AspNetCore.Http;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>Who may read /metrics, for client addresses a loopback test cannot come from.</summary>
public sealed class MetricsAccessTests
{
    private static HttpContext From(string address, string? authorization = null, string? forwardedFor = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        if (forwardedFor is not null) context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        return context;
    }

    [Fact]
    public void Loopback_AndAllowedNetworks_ReadWithoutToken_OthersNeedIt()
    {
        var access = new MetricsAccess(new MetricsOptions { AllowedNetworks = ["10.0.0.0/8", "192.0.2.7"], Token = "s3cret" });
        Assert.True(access.IsAllowed(From("127.0.0.1")));
        Assert.True(access.IsAllowed(From("::1")));
        Assert.True(access.IsAllowed(From("::ffff:10.1.2.3")));
        Assert.True(access.IsAllowed(From("10.200.0.1")));
        Assert.True(access.IsAllowed(From("192.0.2.7")));
        Assert.False(access.IsAllowed(From("192.0.2.8")));
        Assert.False(access.IsAllowed(From("198.51.100.1")));
        Assert.True(access.IsAllowed(From("198.51.100.1", "Bearer s3cret")));
        Assert.True(access.IsAllowed(From("198.51.100.1", "bearer s3cret")));
        Assert.False(access.IsAllowed(From("198.51.100.1", "Bearer s3cre")));
        Assert.False(access.IsAllowed(From("198.51.100.1", "Basic s3cret")));
        // Relayed by a proxy nobody listed as trusted: neither its loopback nor its allowed address counts.
        Assert.False(access.IsAllowed(From("127.0.0.1", forwardedFor: "198.51.100.1")));
        Assert.False(access.IsAllowed(From("10.0.0.5", forwardedFor: "198.51.100.1")));
    }

    [Fact]
    public void WithoutToken_OnlyLoopbackAndAllowedNetworks_AnEmptyBearerIsNoToken()
    {
        var access = new MetricsAccess(new MetricsOptions());
        Assert.True(access.IsAllowed(From("127.0.0.1")));
        Assert.False(access.IsAllowed(From("198.51.100.1", "Bearer ")));
        Assert.False(access.IsAllowed(From("198.51.100.1", "Bearer")));
    }

    [Fact]
    public void ABadNetwork_StopsStartUp_WithTheSettingNamed()
    {
        var e = Assert.Throws<StartupProblem>(() => new MetricsAccess(new MetricsOptions { AllowedNetworks = ["10.0.0.0/33"] }));
        Assert.Contains("Metrics:AllowedNetworks", e.Message);
    }
}
