using System.Net;
using HostingPanel.Application.Aliases;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>A relay that never answers: relayed mail waits in the queue, where the admin sees it.</summary>
public sealed class StuckRelayHostFixture : MailHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Concat(
    [
        new("Mail:Relay:Host", "127.0.0.1"),
        new("Mail:Relay:Port", ProductProcess.FreePort().ToString()),
        new("Mail:Relay:Security", "None"),
        new("Mail:Queue:RetryDelay", "01:00:00"),
    ]);
}

public sealed class QueuePageTests(StuckRelayHostFixture host) : IClassFixture<StuckRelayHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_SeesRelayedMailWaiting_AndCanRetryAndDeleteIt_OthersGet404()
    {
        await RelayedMail.SendThroughExternalAliasAsync(host, "queue.example", "relay <b>me</b>", Ct);
        var queue = host.App.Services.GetRequiredService<IOutboundQueueAdmin>();
        var entry = Assert.Single(await queue.ListAsync(Ct), e => e.Recipients.Any(r => r.Address == "far-away@elsewhere.example"));

        using var admin = await PortalSession.AdminAsync(host);
        var page = await admin.GetStringAsync("/queue");
        Assert.Contains("far-away@elsewhere.example", page);
        Assert.Contains("sender@origin.example", page);

        var retry = await admin.PostFormAsync("/queue", $"/queue/{entry.Id}/retry", []);
        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        var delete = await admin.PostFormAsync("/queue", $"/queue/{entry.Id}/delete", []);
        Assert.Equal(HttpStatusCode.Redirect, delete.StatusCode);
        Assert.DoesNotContain(await queue.ListAsync(Ct), e => e.Id == entry.Id);
        Assert.DoesNotContain("far-away@elsewhere.example", await admin.GetStringAsync("/queue"));

        using var customer = await PortalSession.SignInAsync(host, "owner@queue.example", "customer-password-1");
        Assert.Equal(HttpStatusCode.NotFound, await customer.StatusOfAsync("/queue"));
    }
}
