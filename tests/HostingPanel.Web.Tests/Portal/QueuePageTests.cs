using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
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
        // Forwarded mail leaves with an SRS sender at the forwarding domain; the page names the sender it stands for.
        Assert.Matches(@"SRS0=[A-Z2-7]+=[A-Z2-7]{2}=origin\.example=sender@queue\.example", page);
        Assert.Contains("forwarded, from sender@origin.example", page);

        var retry = await admin.PostFormAsync("/queue", $"/queue/{entry.Id}/retry", []);
        Assert.Equal(HttpStatusCode.Redirect, retry.StatusCode);
        var delete = await admin.PostFormAsync("/queue", $"/queue/{entry.Id}/delete", []);
        Assert.Equal(HttpStatusCode.Redirect, delete.StatusCode);
        Assert.DoesNotContain(await queue.ListAsync(Ct), e => e.Id == entry.Id);
        Assert.DoesNotContain("far-away@elsewhere.example", await admin.GetStringAsync("/queue"));

        using var customer = await PortalSession.SignInAsync(host, "owner@queue.example", "customer-password-1");
        Assert.Equal(HttpStatusCode.NotFound, await customer.StatusOfAsync("/queue"));
    }

    [Fact]
    public async Task LongQueue_IsPaged_AndSearchedBySenderOrRecipient_BadPageValuesShowAPage()
    {
        const int pageSize = HostingPanel.Web.Features.Shared.PortalController.PageSize;
        const int count = pageSize + 1;
        var queue = host.App.Services.GetRequiredService<OutboundQueue>();
        var ids = new List<string>();
        try
        {
            for (var i = 0; i < count; i++)
                ids.Add(await queue.EnqueueAsync($"pagedsender-{i:00}@origin.example", [$"Paged-Rcpt-{i:00}@elsewhere.example"], "Subject: paged\r\n\r\nhi\r\n"u8.ToArray(), false, Ct));
            // The relay refuses them all once; after that the order (next attempt) holds still while the pages are read.
            var sw = Stopwatch.StartNew();
            while ((await queue.ListAsync(Ct)).Count(e => ids.Contains(e.Id) && e.Attempts >= 1) < count && sw.Elapsed < TimeSpan.FromSeconds(30))
                await Task.Delay(100, Ct);

            using var admin = await PortalSession.AdminAsync(host);
            var first = await admin.GetStringAsync("/queue?q=pagedsender");
            Assert.Contains($"{count} in total · page 1 of 2", first);
            var second = await admin.GetStringAsync("/queue?q=pagedsender&page=2");
            Assert.Contains($"{count} in total · page 2 of 2", second);
            var senders = SenderRows(first).Concat(SenderRows(second)).ToList();
            Assert.Equal(pageSize, SenderRows(first).Count);
            Assert.Single(SenderRows(second));
            Assert.Equal(count, senders.Distinct().Count());
            Assert.DoesNotContain("far-away@elsewhere.example", first);

            // By recipient, ignoring case; the one match is the only row.
            var byRecipient = await admin.GetStringAsync("/queue?q=paged-rcpt-07%40ELSEWHERE");
            Assert.Equal(["pagedsender-07@origin.example"], SenderRows(byRecipient));
            Assert.Contains("1 in total · page 1 of 1", byRecipient);
            var none = await admin.GetStringAsync("/queue?q=nobody-sends-this");
            Assert.Contains("0 in total", none);
            Assert.Contains("No queued message has a sender or recipient like that.", none);

            // Bad page values: a page, never an error page.
            foreach (var bad in new[] { "page=abc", "page=-3", "page=0", "page=99999999999", $"q={new string('x', 5000)}" })
            {
                using var response = await admin.Client.GetAsync($"/queue?{bad}", Ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{bad}: {(int)response.StatusCode}");
                Assert.Contains("in total · page", await response.Content.ReadAsStringAsync(Ct));
            }
            Assert.Contains("page 1 of 2", await admin.GetStringAsync("/queue?q=pagedsender&page=-3"));
            Assert.Empty(SenderRows(await admin.GetStringAsync("/queue?q=pagedsender&page=3")));
            Assert.Empty(SenderRows(await admin.GetStringAsync("/queue?q=pagedsender&page=100000000")));
        }
        finally
        {
            foreach (var id in ids) await queue.DeleteAsync(id, CancellationToken.None);
        }
    }

    private static List<string> SenderRows(string html) =>
        Regex.Matches(html, @"<td>(pagedsender-\d\d@origin\.example)</td>").Select(m => m.Groups[1].Value).ToList();
}
