using System.Net;
using HostingPanel.Web.Tests.Portal;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// Issue 16.10: a failure whose delivery status notification is withheld from an unproven sender (no backscatter) is
/// shown to the mailbox's owner instead, on /my/undelivered. Here a forward refused by the next hop, for mail whose
/// sender's SPF (published by dnsmasq on loopback) fails; the next hop's reply is hostile text, shown encoded.
/// </summary>
public sealed class UndeliveredOwnerPageTests(DomainHostFixture host) : IClassFixture<DomainHostFixture>
{
    [Fact]
    public async Task WithheldBounceOfAForward_IsShownToTheForwardingMailboxsOwner_EncodedAndToNobodyElse()
    {
        host.RequireDns();
        host.Dns.SetTxt("forged-sender.example", "v=spf1 ip4:192.0.2.1 -all");
        await host.Dns.PublishAsync();
        host.Relay.RcptReply = r => r == "gone@far-away.example" ? "550 5.1.1 <script>alert(1)</script> no such user" : null;

        var customer = await host.CustomerAsync("undelivered");
        using var api = host.CreateClient(customer.Key);
        var domain = Unique("fwd") + ".example";
        await CreatedAsync(api, "/api/v1/domains", new { name = domain });
        var owner = $"mover@{domain}";
        var bystander = $"still@{domain}";
        await host.MailboxAsync(api, owner);
        await host.MailboxAsync(api, bystander);
        await OkAsync(api, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/mover", new { forwardTo = new[] { "gone@far-away.example" }, keepCopy = false });
        await DomainHostFixture.EventuallyAsync(async () => (await GetAsync(api, $"/api/v1/domains/{domain}/mailboxes/mover"))["status"]!.GetValue<string>() == "active",
            "the forward is in the engine");

        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", host.Port("smtp"), SecureSocketOptions.None, Ct);
            await smtp.SendAsync(DomainHostFixture.Message("victim@forged-sender.example", owner, "forwarded and refused"), Ct);
            await smtp.DisconnectAsync(true, Ct);
        }

        using var portal = await PortalSession.SignInAsync(host, owner, DomainHostFixture.Password);
        Assert.Contains("href=\"/my/undelivered\"", await portal.GetStringAsync("/my"));
        var page = "";
        await DomainHostFixture.EventuallyAsync(async () => (page = await portal.GetStringAsync("/my/undelivered")).Contains("id=\"undelivered\""),
            "the withheld report on the owner's page", 60);
        var text = WebUtility.HtmlDecode(page);
        Assert.Contains("victim@forged-sender.example", text);
        Assert.Contains("forwarded to <gone@far-away.example>: ", text);
        Assert.Contains("550 5.1.1 <script>alert(1)</script> no such user", text);
        Assert.Contains("no delivery status notification to <victim@forged-sender.example>: SPF fail", text);
        Assert.DoesNotContain("<script>alert(1)</script>", page); // the next hop's words are shown, never run
        Assert.Contains("&lt;script&gt;", page);
        // Nothing went to the forged sender.
        Assert.DoesNotContain(host.Relay.Accepted, m => m.To.Contains("victim@forged-sender.example"));

        // Another mailbox, even of the same domain, sees nothing of it.
        using var other = await PortalSession.SignInAsync(host, bystander, DomainHostFixture.Password);
        var otherPage = await other.GetStringAsync("/my/undelivered");
        Assert.Contains("id=\"undelivered-none\"", otherPage);
        Assert.DoesNotContain("forged-sender.example", otherPage);
    }
}
