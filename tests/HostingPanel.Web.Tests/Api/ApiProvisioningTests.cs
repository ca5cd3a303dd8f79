using System.Diagnostics;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Pop3;
using MailKit.Security;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// The API with the worker and the mail engine in the process: what a billing system does through the API
/// reaches the engine, and the API shows the worker's status.
/// </summary>
public sealed class ApiProvisioningTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string MailboxPassword = "mailbox-password-api";

    [Fact]
    public async Task SuspendingAReseller_ThroughTheApi_RefusesLoginsOfEveryMailboxUnderIt_AndResumingRestoresThem()
    {
        using var admin = host.CreateAdminApiClient();
        var reseller = await CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = "Billing Reseller", email = Unique("billing") + "@resellers.example", password = ApiHostFixture.Password,
            limits = new { maxCustomers = 1, maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 100 },
        });
        var resellerPath = $"/api/v1/resellers/{reseller["id"]}";
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Billing Customer", email = Unique("billing") + "@customers.example", password = ApiHostFixture.Password,
            resellerId = reseller["id"]!.GetValue<string>(), limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 100 },
        });
        var domain = Unique("billing") + ".example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        var created = await CreatedAsync(admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "user", password = MailboxPassword, quotaMb = 10 });
        Assert.Equal("pending", created["status"]!.GetValue<string>());
        var address = $"user@{domain}";
        var mailboxPath = $"/api/v1/domains/{domain}/mailboxes/user";

        await EventuallyAsync(async () => (await GetAsync(admin, mailboxPath))["status"]!.GetValue<string>() == "active", "status active");
        await EventuallyAsync(() => Pop3LoginWorksAsync(address), "POP3 login of the new mailbox");

        Assert.Equal("suspended", (await OkAsync(admin, HttpMethod.Patch, resellerPath, new { enabled = false }))["status"]!.GetValue<string>());
        await EventuallyAsync(async () => !await Pop3LoginWorksAsync(address), "login refused after suspending the reseller");
        await EventuallyAsync(async () => (await GetAsync(admin, mailboxPath))["status"]!.GetValue<string>() == "suspended", "mailbox status suspended");

        Assert.Equal("active", (await OkAsync(admin, HttpMethod.Patch, resellerPath, new { enabled = true }))["status"]!.GetValue<string>());
        await EventuallyAsync(() => Pop3LoginWorksAsync(address), "login after resuming the reseller");
        await EventuallyAsync(async () => (await GetAsync(admin, mailboxPath))["status"]!.GetValue<string>() == "active", "mailbox status active again");
    }

    private async Task<bool> Pop3LoginWorksAsync(string address)
    {
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        try
        {
            await pop.AuthenticateAsync(address, MailboxPassword, Ct);
            // QUIT, so the maildrop lock is free for the next try at once (RFC 1939 section 6).
            await pop.DisconnectAsync(true, Ct);
            return true;
        }
        catch (AuthenticationException) { return false; }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var timeout = TimeSpan.FromSeconds(10);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (await condition()) return;
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s");
    }
}
