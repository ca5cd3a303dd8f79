using System.Net;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Storage;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Provisioning;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// Issue 19 item 1 through the API, on the whole product (the engine keeps the folder totals):
/// <c>GET .../folders</c> largest first and <c>PATCH .../folders/{name}</c> with retention (validated; unknown
/// folder 404; names with '/' and non-ASCII URL-encoded); another tenant's mailbox does not exist.
/// </summary>
public sealed class ApiFolderTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string Password = "correct-horse-battery";

    private sealed record Tenant(string Domain, string Key, string Mailbox);

    private async Task<Tenant> TenantAsync(string tag)
    {
        using var admin = host.CreateAdminApiClient();
        var run = Guid.NewGuid().ToString("N")[..6];
        var email = $"folders-{tag}-{run}@customers.example";
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = $"Folders {tag}", email, password = Password,
            limits = new { maxDomains = 2, maxMailboxes = 5, diskQuotaMb = 1000 },
        });
        var domain = $"folders-{tag}-{run}.example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        await CreatedAsync(admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "info", password = Password, quotaMb = 100 });
        return new Tenant(domain, await ApiHostFixture.KeyForAsync(admin, email), $"/api/v1/domains/{domain}/mailboxes/info");
    }

    [Fact]
    public async Task Folders_ListSizeAndCount_LargestFirst_AndLargestMessagesAreOneCallAway_OnlyInScope()
    {
        var a = await TenantAsync("a");
        var b = await TenantAsync("b");
        using var client = host.CreateClient(a.Key);
        var account = await EngineAccountAsync("info@" + a.Domain);
        await EngineDeliveries.DeliverAsync(host.App.Services, account.Id, account.Address, "big one", 20_000, Ct);
        await EngineDeliveries.DeliverAsync(host.App.Services, account.Id, account.Address, "small one", 100, Ct);

        var folders = (await GetAsync(client, a.Mailbox + "/folders")).AsArray();
        Assert.Equal(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], folders.Select(f => f!["name"]!.GetValue<string>()).Order().ToArray());
        Assert.Contains(folders, f => f!["name"]!.GetValue<string>() == "Trash" && f["specialUse"]!.GetValue<string>() == @"\Trash");
        Assert.Equal("INBOX", folders[0]!["name"]!.GetValue<string>());
        Assert.Equal(2, folders[0]!["messages"]!.GetValue<long>());
        Assert.True(folders[0]!["bytes"]!.GetValue<long>() > 20_000);
        Assert.Equal(0, folders[0]!["retentionDays"]!.GetValue<int>());
        var sizes = folders.Select(f => f!["bytes"]!.GetValue<long>()).ToList();
        Assert.Equal(sizes.OrderDescending(), sizes);

        var largest = (await GetAsync(client, a.Mailbox + "/largest-messages?limit=1")).AsArray();
        Assert.Equal("big one", Assert.Single(largest)!["subject"]!.GetValue<string>());
        Assert.Equal("INBOX", largest[0]!["folder"]!.GetValue<string>());

        // Another customer's key: the mailbox, its folders and its messages do not exist; nothing changes.
        using var other = host.CreateClient(b.Key);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(other, HttpMethod.Get, a.Mailbox + "/folders")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(other, HttpMethod.Get, a.Mailbox + "/largest-messages")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(other, HttpMethod.Patch, a.Mailbox + "/folders/Trash", new { retentionDays = 1 })).Status);
        Assert.Equal(0, (await GetAsync(client, a.Mailbox + "/folders")).AsArray().Single(f => f!["name"]!.GetValue<string>() == "Trash")!["retentionDays"]!.GetValue<int>());
    }

    [Fact]
    public async Task Retention_IsSetPerFolder_Validated_AndUnknownFoldersAre404()
    {
        var a = await TenantAsync("r");
        using var client = host.CreateClient(a.Key);
        var account = await EngineAccountAsync("info@" + a.Domain);
        var store = host.App.Services.GetRequiredService<MailStore>();
        await store.CreateFolderAsync(account.Id, ImapModifiedUtf7.Encode("Reisekosten/Über 2026"), ct: Ct);

        var trash = await OkAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/Trash", new { retentionDays = 30 });
        Assert.Equal(("Trash", 30, false), (trash["name"]!.GetValue<string>(), trash["retentionDays"]!.GetValue<int>(), trash["retentionIsDefault"]!.GetValue<bool>()));
        var nested = await OkAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/Reisekosten%2F%C3%9Cber%202026", new { retentionDays = 365 });
        Assert.Equal(("Reisekosten/Über 2026", 365), (nested["name"]!.GetValue<string>(), nested["retentionDays"]!.GetValue<int>()));
        var listed = (await GetAsync(client, a.Mailbox + "/folders")).AsArray();
        Assert.Equal(365, listed.Single(f => f!["name"]!.GetValue<string>() == "Reisekosten/Über 2026")!["retentionDays"]!.GetValue<int>());
        // 0 = never.
        Assert.Equal(0, (await OkAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/Junk", new { retentionDays = 0 }))["retentionDays"]!.GetValue<int>());

        foreach (var bad in new[] { -1, 3651, int.MaxValue })
        {
            var (status, body, _) = await SendAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/Trash", new { retentionDays = bad });
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.NotNull(body!["errors"]!["retentionDays"]);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/Trash", new { retentionDays = "thirty" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/No%20such", new { retentionDays = 1 })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/" + new string('x', 600), new { retentionDays = 1 })).Status);
        // A NUL in the path: Kestrel refuses the request itself (400); nothing reaches the store either way.
        Assert.True((await SendAsync(client, HttpMethod.Patch, a.Mailbox + "/folders/Tr%00ash", new { retentionDays = 1 })).Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound,
            (await SendAsync(client, HttpMethod.Patch, $"/api/v1/domains/{a.Domain}/mailboxes/nobody/folders/Trash", new { retentionDays = 1 })).Status);
        Assert.Equal(30, (await GetAsync(client, a.Mailbox + "/folders")).AsArray().Single(f => f!["name"]!.GetValue<string>() == "Trash")!["retentionDays"]!.GetValue<int>());
    }

    /// <summary>The mailbox once the worker has put it into the engine.</summary>
    private async Task<MailboxAccount> EngineAccountAsync(string address)
    {
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await directory.FindMailboxAsync(address, Ct) is { } account) return account;
            Assert.True(DateTime.UtcNow < deadline, $"{address} never reached the engine");
            await Task.Delay(100, Ct);
        }
    }
}
