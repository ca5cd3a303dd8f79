using System.Net;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Provisioning;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Operations;
using HostingPanel.Web.Tests.Portal;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// DELETE and restore of customers and resellers through the API on the whole product: while deleted nothing under the
/// tenant logs in (IMAP, portal, API keys) and its domains refuse mail as not hosted here; a restore brings everything
/// back with the mail; after the grace period the worker's purge removes mail, rows and logins.
/// </summary>
public abstract class TenantDeletionScenarios<TFixture>(TFixture host) where TFixture : MailHostFixture
{
    private const string Password = "correct-horse-battery";
    private const string MailboxPassword = "mailbox-password-1";
    private const string Suspended = "This account is suspended. Contact your provider.";

    /// <summary>A reseller with one customer that has a domain, mailbox anna (with one message), alias team → anna; keys for both.</summary>
    private sealed record Tree(string ResellerId, string ResellerEmail, string ResellerKey, string CustomerId, string CustomerEmail, string CustomerKey, string Domain)
    {
        public string Anna => $"anna@{Domain}";
    }

    private async Task<Tree> TreeAsync(HttpClient admin, int poolCustomers = 5)
    {
        var tag = Unique("t");
        var resellerEmail = $"{tag}@resellers.example";
        var reseller = await CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = $"Reseller {tag}", email = resellerEmail, password = Password,
            limits = new { maxCustomers = poolCustomers, maxDomains = 5, maxMailboxes = 5, diskQuotaMb = 1000 },
        });
        var resellerKey = await Api.ApiHostFixture.KeyForAsync(admin, resellerEmail);
        using var asReseller = host.CreateClient(resellerKey);
        var customerEmail = $"{tag}@customers.example";
        var customer = await CreatedAsync(asReseller, "/api/v1/customers", new
        {
            name = $"Customer {tag}", email = customerEmail, password = Password,
            limits = new { maxDomains = 1, maxMailboxes = 2, diskQuotaMb = 100 },
        });
        var customerKey = await Api.ApiHostFixture.KeyForAsync(asReseller, customerEmail);
        var domain = $"{tag}.example";
        await CreatedAsync(asReseller, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        await CreatedAsync(asReseller, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "anna", password = MailboxPassword, quotaMb = 10 });
        await CreatedAsync(asReseller, $"/api/v1/domains/{domain}/aliases", new { localPart = "team", destinations = new[] { $"anna@{domain}" } });
        await MailWorld.WaitResolvesAsync(host, $"team@{domain}", r => r.Mailboxes.Count == 1, Ct);
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@internet.example", $"anna@{domain}", "before"), Ct));
        return new Tree(reseller["id"]!.GetValue<string>(), resellerEmail, resellerKey, customer["id"]!.GetValue<string>(), customerEmail, customerKey, domain);
    }

    [Fact]
    public async Task DeletedCustomer_RefusesMailAndLogins_RestoreBringsItAllBack_WithTheMail()
    {
        host.RequireAvailable();
        using var admin = host.CreateAdminApiClient();
        var t = await TreeAsync(admin);
        using var reseller = host.CreateClient(t.ResellerKey);
        using var customer = host.CreateClient(t.CustomerKey);
        Assert.Equal(HttpStatusCode.OK, (await customer.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Equal(["before"], await SubjectsAsync(t.Anna));

        // A customer cannot delete itself; support staff and other resellers do not see it.
        await ProblemAsync(customer, HttpMethod.Delete, $"/api/v1/customers/{t.CustomerId}", null, HttpStatusCode.NotFound);

        var (status, _, _) = await SendAsync(reseller, HttpMethod.Delete, $"/api/v1/customers/{t.CustomerId}");
        Assert.Equal(HttpStatusCode.NoContent, status);

        // Gone from the API at once; the worker takes the domain out of the engine within a second or so.
        await ProblemAsync(reseller, HttpMethod.Get, $"/api/v1/customers/{t.CustomerId}", null, HttpStatusCode.NotFound);
        await ProblemAsync(admin, HttpMethod.Get, $"/api/v1/domains/{t.Domain}", null, HttpStatusCode.NotFound);
        Assert.DoesNotContain(t.CustomerId, (await GetAsync(reseller, "/api/v1/customers"))["items"]!.ToJsonString());
        await WaitHostedAsync(t.Domain, hosted: false);

        // Mail is refused as for a domain not hosted here, for the mailbox and the alias; IMAP and POP3 logins fail.
        Assert.Equal(SmtpStatusCode.TransactionFailed, await MailWorld.SendMxAsync(host, MailWorld.Message("someone@internet.example", t.Anna, "while deleted"), Ct));
        Assert.Equal(SmtpStatusCode.TransactionFailed, await MailWorld.SendMxAsync(host, MailWorld.Message("someone@internet.example", $"team@{t.Domain}", "while deleted"), Ct));
        await Assert.ThrowsAsync<AuthenticationException>(() => SubjectsAsync(t.Anna));
        // The customer's key and portal sign-in are refused; the name stays taken for another customer.
        Assert.Equal(HttpStatusCode.Unauthorized, (await customer.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Contains(Suspended, await SignInPageAsync(t.CustomerEmail, Password));
        await ProblemAsync(admin, HttpMethod.Post, "/api/v1/domains", new { name = t.Domain, customerId = await OtherCustomerAsync(admin) }, HttpStatusCode.Conflict);
        // Nothing can be added to it while deleted.
        await ProblemAsync(admin, HttpMethod.Post, "/api/v1/domains", new { name = $"x{t.Domain}", customerId = t.CustomerId }, HttpStatusCode.NotFound);

        var restored = await OkAsync(reseller, HttpMethod.Post, $"/api/v1/customers/{t.CustomerId}/restore");
        Assert.Equal(t.CustomerId, restored["id"]!.GetValue<string>());
        await WaitHostedAsync(t.Domain, hosted: true);
        await MailWorld.WaitResolvesAsync(host, $"team@{t.Domain}", r => r.Mailboxes.Count == 1, Ct);

        // Everything works again, with the mail that was there.
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@internet.example", $"team@{t.Domain}", "after"), Ct));
        Assert.Equal(["before", "after"], await SubjectsAsync(t.Anna));
        await EventuallyAsync(async () => (await customer.GetAsync("/api/v1/me", Ct)).StatusCode == HttpStatusCode.OK);
        using var signedIn = await PortalSession.SignInAsync(host, t.CustomerEmail, Password);
        Assert.Equal(HttpStatusCode.OK, await signedIn.StatusOfAsync($"/domains/{t.Domain}"));
        // Restoring what is not deleted is a 404.
        await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/customers/{t.CustomerId}/restore", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeletedReseller_TakesItsCustomersWithIt_OnlyTheResellerRestores_AndAfterTheGracePeriodAllIsPurged()
    {
        host.RequireAvailable();
        using var admin = host.CreateAdminApiClient();
        var t = await TreeAsync(admin);
        using var reseller = host.CreateClient(t.ResellerKey);
        using var customer = host.CreateClient(t.CustomerKey);

        // Only an admin deletes resellers; support staff and the reseller itself get 404.
        await ProblemAsync(reseller, HttpMethod.Delete, $"/api/v1/resellers/{t.ResellerId}", null, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(admin, HttpMethod.Delete, $"/api/v1/resellers/{t.ResellerId}")).Status);
        await ProblemAsync(admin, HttpMethod.Get, $"/api/v1/resellers/{t.ResellerId}", null, HttpStatusCode.NotFound);
        await ProblemAsync(admin, HttpMethod.Get, $"/api/v1/customers/{t.CustomerId}", null, HttpStatusCode.NotFound);
        await WaitHostedAsync(t.Domain, hosted: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await reseller.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await customer.GetAsync("/api/v1/me", Ct)).StatusCode);
        Assert.Contains(Suspended, await SignInPageAsync(t.ResellerEmail, Password));
        await Assert.ThrowsAsync<AuthenticationException>(() => SubjectsAsync(t.Anna));
        // Its customer comes back with it, not alone.
        await ProblemAsync(admin, HttpMethod.Post, $"/api/v1/customers/{t.CustomerId}/restore", null, HttpStatusCode.NotFound);

        Assert.Equal(t.ResellerId, (await OkAsync(admin, HttpMethod.Post, $"/api/v1/resellers/{t.ResellerId}/restore"))["id"]!.GetValue<string>());
        await WaitHostedAsync(t.Domain, hosted: true);
        await MailWorld.WaitResolvesAsync(host, $"team@{t.Domain}", r => r.Mailboxes.Count == 1, Ct);
        Assert.Equal(["before"], await SubjectsAsync(t.Anna));
        await EventuallyAsync(async () => (await customer.GetAsync("/api/v1/me", Ct)).StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await reseller.GetAsync("/api/v1/me", Ct)).StatusCode);

        // Deleted again, then the grace period passes: the purge removes mail, rows and logins; names are free again.
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(admin, HttpMethod.Delete, $"/api/v1/resellers/{t.ResellerId}")).Status);
        await WaitHostedAsync(t.Domain, hosted: false);
        await PurgeAfterTheGracePeriodAsync();
        Assert.Null(await host.App.Services.GetRequiredService<MailDirectory>().FindMailboxAsync(t.Anna, Ct));
        await ProblemAsync(admin, HttpMethod.Post, $"/api/v1/resellers/{t.ResellerId}/restore", null, HttpStatusCode.NotFound);
        await ProblemAsync(admin, HttpMethod.Post, $"/api/v1/customers/{t.CustomerId}/restore", null, HttpStatusCode.NotFound);
        using (var scope = host.App.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            Assert.Null(await users.FindByEmailAsync(t.ResellerEmail));
            Assert.Null(await users.FindByEmailAsync(t.CustomerEmail));
        }
        await CreatedAsync(admin, "/api/v1/domains", new { name = t.Domain, customerId = await OtherCustomerAsync(admin) });
        Assert.Equal(HttpStatusCode.Unauthorized, (await customer.GetAsync("/api/v1/me", Ct)).StatusCode);
    }

    [Fact]
    public async Task RestoringACustomer_TakesItsPlanFromThePoolAgain_422WhenItNoLongerFits()
    {
        host.RequireAvailable();
        using var admin = host.CreateAdminApiClient();
        var t = await TreeAsync(admin, poolCustomers: 1);
        using var reseller = host.CreateClient(t.ResellerKey);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(reseller, HttpMethod.Delete, $"/api/v1/customers/{t.CustomerId}")).Status);
        // The deleted customer gave its place back: a new one fits, and then the old one no longer does.
        var replacement = await CreatedAsync(reseller, "/api/v1/customers", new
        {
            name = "Replacement", email = $"{Unique("r")}@customers.example", password = Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 },
        });
        var problem = await ProblemAsync(reseller, HttpMethod.Post, $"/api/v1/customers/{t.CustomerId}/restore", null, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("customers", problem["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(reseller, HttpMethod.Delete, $"/api/v1/customers/{replacement["id"]!.GetValue<string>()}")).Status);
        await OkAsync(reseller, HttpMethod.Post, $"/api/v1/customers/{t.CustomerId}/restore");
        await WaitHostedAsync(t.Domain, hosted: true);
        await MailWorld.WaitResolvesAsync(host, t.Anna, r => r.Mailboxes.Count == 1, Ct);
        Assert.Equal(["before"], await SubjectsAsync(t.Anna));
    }

    [Fact]
    public async Task Portal_NamesWhatGoes_Deletes_ListsTheDeleted_AndRestores()
    {
        host.RequireAvailable();
        using var admin = host.CreateAdminApiClient();
        var t = await TreeAsync(admin);
        using var reseller = await PortalSession.SignInAsync(host, t.ResellerEmail, Password);
        Assert.Contains($"/customers/{t.CustomerId}/delete", await reseller.GetStringAsync("/customers"));
        var confirm = await reseller.GetStringAsync($"/customers/{t.CustomerId}/delete");
        Assert.Contains("1 domain, 1 mailbox, 1 alias, 1 portal login", confirm);
        Assert.Contains(t.Domain, confirm);

        var deleted = await reseller.PostFormAsync($"/customers/{t.CustomerId}/delete", $"/customers/{t.CustomerId}/delete", []);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        await WaitHostedAsync(t.Domain, hosted: false);
        var list = await reseller.GetStringAsync("/customers");
        Assert.Contains("Deleted customers", list);
        Assert.Contains($"/customers/{t.CustomerId}/restore", list);
        Assert.Equal(HttpStatusCode.NotFound, await reseller.StatusOfAsync($"/customers/{t.CustomerId}"));

        var restored = await reseller.PostFormAsync("/customers", $"/customers/{t.CustomerId}/restore", []);
        Assert.Equal(HttpStatusCode.Redirect, restored.StatusCode);
        await WaitHostedAsync(t.Domain, hosted: true);
        Assert.Equal(HttpStatusCode.OK, await reseller.StatusOfAsync($"/customers/{t.CustomerId}"));
        await MailWorld.WaitResolvesAsync(host, t.Anna, r => r.Mailboxes.Count == 1, Ct);
        Assert.Equal(["before"], await SubjectsAsync(t.Anna));
    }

    /// <summary>The worker's purge as it runs once the grace period is over: the same Purger, with a clock past it.</summary>
    private async Task PurgeAfterTheGracePeriodAsync()
    {
        var options = host.App.Services.GetRequiredService<IOptions<ProvisioningOptions>>();
        var later = new ShiftedClock(TimeSpan.FromDays(options.Value.DeleteGraceDays + 1));
        await new Purger(host.App.Services.GetRequiredService<IServiceScopeFactory>(), options, later).RunAsync(Ct);
    }

    private sealed class ShiftedClock(TimeSpan by) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + by;
    }

    private async Task<string> OtherCustomerAsync(HttpClient admin)
    {
        var c = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Other", email = $"{Unique("o")}@customers.example", password = Password,
            limits = new { maxDomains = 2, maxMailboxes = 1, diskQuotaMb = 10 },
        });
        return c["id"]!.GetValue<string>();
    }

    private async Task WaitHostedAsync(string domain, bool hosted)
    {
        var directory = host.App.Services.GetRequiredService<MailDirectory>();
        await EventuallyAsync(async () => await directory.IsHostedDomainAsync(domain, Ct) == hosted);
    }

    private async Task<IReadOnlyList<string>> SubjectsAsync(string address)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", host.Port("imap"), SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync(address, MailboxPassword, Ct);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var subjects = imap.Inbox.Count == 0 ? [] : (await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, Ct)).Select(m => m.Envelope?.Subject ?? "").ToList();
        await imap.DisconnectAsync(true, Ct);
        return subjects;
    }

    private async Task<string> SignInPageAsync(string email, string password)
    {
        using var anonymous = new PortalSession(host.CreateClient());
        var response = await anonymous.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // no redirect: not signed in
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not met within 60 s");
            await Task.Delay(100, Ct);
        }
    }
}

/// <summary>On SQLite, as <c>dotnet run</c> starts it.</summary>
public sealed class TenantDeletionTests(MailHostFixture host) : TenantDeletionScenarios<MailHostFixture>(host), IClassFixture<MailHostFixture>;

/// <summary>On PostgreSQL: the restore compares the deletion moments as the database gives them back (microseconds there).</summary>
public sealed class PostgresTenantDeletionTests(HostingPanel.Web.Tests.Provisioning.PostgresMailHostFixture host)
    : TenantDeletionScenarios<HostingPanel.Web.Tests.Provisioning.PostgresMailHostFixture>(host), IClassFixture<HostingPanel.Web.Tests.Provisioning.PostgresMailHostFixture>;
