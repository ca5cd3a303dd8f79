using HostingPanel.MailEngine.Directory;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// Issue 16.1, the mail side: a tenant that adds a name it does not hold (a rival's domain) must not catch the mail
/// other tenants send there. While unverified, a domain gets mail from the Internet (MX port) and from its own
/// tenant; other tenants' submissions leave through the outbound queue, as to any outside domain. Real SMTP and IMAP.
/// </summary>
public sealed class UnverifiedDomainRoutingTests(DomainHostFixture host) : IClassFixture<DomainHostFixture>
{
    [Fact]
    public async Task OtherTenantsMail_ToAnUnverifiedDomain_LeavesThroughTheQueue_UntilTheDomainIsVerified()
    {
        host.RequireDns();
        var squatter = await host.CustomerAsync("squatter");
        var sender = await host.CustomerAsync("sender");
        using var asSquatter = host.CreateClient(squatter.Key);
        using var asSender = host.CreateClient(sender.Key);
        using var admin = host.CreateAdminApiClient();

        var claimed = Unique("rival") + ".example";
        var created = await CreatedAsync(asSquatter, "/api/v1/domains", new { name = claimed });
        await host.MailboxAsync(asSquatter, $"ceo@{claimed}");
        await host.MailboxAsync(asSquatter, $"colleague@{claimed}");
        var own = Unique("sender") + ".example";
        await CreatedAsync(asSender, "/api/v1/domains", new { name = own });
        await OkAsync(admin, HttpMethod.Post, $"/api/v1/domains/{own}/verify-by-hand");
        await host.MailboxAsync(asSender, $"alice@{own}");

        // Another tenant's mail: relayed out (to the sink here), not stored in the squatter's mailbox.
        await host.SubmitAsync($"alice@{own}", $"ceo@{claimed}", "from another tenant");
        var relayed = await host.Relay.WaitForAsync($"ceo@{claimed}");
        Assert.NotNull(relayed);
        Assert.Contains("from another tenant", relayed.Data);

        // The Internet (MX) and the domain's own tenant reach it.
        await host.SendFromInternetAsync($"ceo@{claimed}", "from the internet");
        await host.SubmitAsync($"colleague@{claimed}", $"ceo@{claimed}", "from a colleague");
        await DomainHostFixture.EventuallyAsync(async () => (await host.InboxSubjectsAsync($"ceo@{claimed}")).Count == 2, "two local deliveries");
        var inbox = await host.InboxSubjectsAsync($"ceo@{claimed}");
        Assert.Contains("from the internet", inbox);
        Assert.Contains("from a colleague", inbox);
        Assert.DoesNotContain("from another tenant", inbox);

        // What the engine would do now, for the record: not hosted (so relayed) for the other tenant.
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        var alice = (await directory.FindMailboxAsync($"alice@{own}", Ct))!;
        Assert.Equal(RecipientStatus.NotHosted, (await directory.ResolveRecipientAsync($"ceo@{claimed}", DeliveryOrigin.Mailbox(alice.Id), Ct)).Status);

        // Proven by DNS: from then on every tenant's mail is delivered here.
        var record = created["verificationRecord"]!.AsObject();
        host.Dns.SetTxt(record["name"]!.GetValue<string>(), record["value"]!.GetValue<string>());
        await host.Dns.PublishAsync();
        Assert.True((await OkAsync(asSquatter, HttpMethod.Post, $"/api/v1/domains/{claimed}/verify"))["verified"]!.GetValue<bool>());
        await DomainHostFixture.EventuallyAsync(async () =>
            (await directory.ResolveRecipientAsync($"ceo@{claimed}", DeliveryOrigin.Mailbox(alice.Id), Ct)).Mailboxes.Count == 1, "the engine learns the domain is verified");
        await host.SubmitAsync($"alice@{own}", $"ceo@{claimed}", "after verification");
        await DomainHostFixture.EventuallyAsync(async () => (await host.InboxSubjectsAsync($"ceo@{claimed}")).Contains("after verification"), "local delivery after verification");
    }

    [Fact]
    public async Task AnAliasOfAnotherTenant_PointingAtAnUnverifiedDomain_IsRelayedOut_NotDeliveredThere()
    {
        host.RequireDns();
        var squatter = await host.CustomerAsync("squat2");
        var victim = await host.CustomerAsync("victim");
        using var asSquatter = host.CreateClient(squatter.Key);
        using var asVictim = host.CreateClient(victim.Key);
        using var admin = host.CreateAdminApiClient();

        var claimed = Unique("partner") + ".example";
        await CreatedAsync(asSquatter, "/api/v1/domains", new { name = claimed });
        await host.MailboxAsync(asSquatter, $"orders@{claimed}");
        var own = Unique("shop") + ".example";
        await CreatedAsync(asVictim, "/api/v1/domains", new { name = own });
        await OkAsync(admin, HttpMethod.Post, $"/api/v1/domains/{own}/verify-by-hand");
        await CreatedAsync(asVictim, $"/api/v1/domains/{own}/aliases", new { localPart = "supplier", destinations = new[] { $"orders@{claimed}" } });
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        await DomainHostFixture.EventuallyAsync(async () => (await directory.ResolveRecipientAsync($"supplier@{own}")).Status == RecipientStatus.Ok, "alias provisioned");

        // From the Internet to the victim's alias: the alias is the victim's pointer, so the squatter's copy is relayed.
        await host.SendFromInternetAsync($"supplier@{own}", "order via alias");
        Assert.NotNull(await host.Relay.WaitForAsync($"orders@{claimed}"));
        Assert.DoesNotContain("order via alias", await host.InboxSubjectsAsync($"orders@{claimed}"));
    }
}
