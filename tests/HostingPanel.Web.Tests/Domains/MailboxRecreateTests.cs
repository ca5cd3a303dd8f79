using System.Net;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Web.Tests.Portal;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// Issue 16.11: re-creating the address of a mailbox in its grace period was a 409 with no way forward. Now the 409
/// says what holds the address, and "purge now and create" (API <c>purgeDeleted</c>, a check box in the portal) deletes
/// the old mail and creates the mailbox empty.
/// </summary>
public sealed class MailboxRecreateTests(DomainHostFixture host) : IClassFixture<DomainHostFixture>
{
    [Fact]
    public async Task AddressOfADeletedMailbox_InItsGracePeriod_CanBePurgedNowAndCreated_Empty()
    {
        host.RequireDns();
        var customer = await host.CustomerAsync("recreate");
        using var api = host.CreateClient(customer.Key);
        var domain = Unique("again") + ".example";
        await CreatedAsync(api, "/api/v1/domains", new { name = domain });
        var address = $"sam@{domain}";
        await host.MailboxAsync(api, address);
        await host.SendFromInternetAsync(address, "old mail");
        await DomainHostFixture.EventuallyAsync(async () => (await host.InboxSubjectsAsync(address)).Count == 1, "old mail delivered");

        var (deleted, _, _) = await SendAsync(api, HttpMethod.Delete, $"/api/v1/domains/{domain}/mailboxes/sam");
        Assert.Equal(HttpStatusCode.NoContent, deleted);
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        await DomainHostFixture.EventuallyAsync(async () => (await directory.ResolveRecipientAsync(address, Ct)).Status == RecipientStatus.Disabled, "removed in the engine");

        var conflict = await ProblemAsync(api, HttpMethod.Post, $"/api/v1/domains/{domain}/mailboxes",
            new { localPart = "sam", password = DomainHostFixture.Password, quotaMb = 50 }, HttpStatusCode.Conflict);
        var message = Assert.Single(Errors(conflict, "localPart"));
        Assert.Contains("grace period", message);
        Assert.Contains("purgeDeleted", message);

        // The portal offers the way forward on the same refusal.
        using var portal = await PortalSession.SignInAsync(host, customer.Email, DomainHostFixture.Password);
        var form = await portal.PostFormAsync($"/domains/{domain}/mailboxes/new", $"/domains/{domain}/mailboxes/new",
            new() { ["LocalPart"] = "sam", ["Password"] = DomainHostFixture.Password, ["QuotaMb"] = "50" });
        var html = WebUtility.HtmlDecode(await form.Content.ReadAsStringAsync(Ct));
        Assert.Contains(message, html);
        Assert.Contains("name=\"PurgeDeleted\"", html);

        var created = await CreatedAsync(api, $"/api/v1/domains/{domain}/mailboxes",
            new { localPart = "sam", password = DomainHostFixture.Password, quotaMb = 50, purgeDeleted = true });
        Assert.Equal(address, created["address"]!.GetValue<string>());
        await DomainHostFixture.EventuallyAsync(async () => (await directory.ResolveRecipientAsync(address, Ct)).Status == RecipientStatus.Ok, "the new mailbox is live");
        Assert.Empty(await host.InboxSubjectsAsync(address));
        await host.SendFromInternetAsync(address, "new mail");
        await DomainHostFixture.EventuallyAsync(async () => (await host.InboxSubjectsAsync(address)).SequenceEqual(["new mail"]), "only new mail");
    }
}
