using System.Diagnostics;
using HostingPanel.Application.Aliases;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Webmail;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>
/// The whole product (portal, worker, mail engine on real ports) with Debian's Chromium, and helpers to
/// set up a domain with mailboxes and aliases through the services and wait until the engine has them.
/// </summary>
public sealed class WebmailHostFixture : MailHostFixture, IAsyncLifetime
{
    public const string Password = "webmail-password-1";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings()
    {
        foreach (var setting in base.ExtraSettings()) yield return setting;
        // Short enough that a broken watcher shows within a test, long enough not to churn on a loaded machine.
        yield return new("Webmail:IdleWindow", "00:00:10");
        // Small pages, so paging is seen with a handful of messages.
        yield return new("Webmail:PageSize", "5");
    }

    public async Task<IBrowser> BrowserAsync()
    {
        if (_browser is not null) return _browser;
        _playwright = await Playwright.CreateAsync();
        _browser = await Portal.DebianChromium.LaunchAsync(_playwright);
        return _browser;
    }

    public async Task<IPage> NewPageAsync()
    {
        var browser = await BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString().TrimEnd('/'), AcceptDownloads = true });
        // Generous: two cores shared with other test runs; every wait below is for a condition, never a fixed time.
        context.SetDefaultTimeout(45_000);
        context.SetDefaultNavigationTimeout(45_000);
        Assertions.SetDefaultExpectTimeout(30_000);
        return Portal.BrowserFixture.Track(await context.NewPageAsync());
    }

    /// <summary>A customer with <paramref name="domain"/>, the mailboxes, and aliases (local part → local parts), active in the engine.</summary>
    public Task CreateDomainAsync(string domain, string[] mailboxes, params (string Alias, string[] To)[] aliases) =>
        CreateDomainAsync(domain, $"owner@{domain}", mailboxes, aliases);

    /// <summary>A customer signing in as <paramref name="customerEmail"/> with a domain, its mailboxes and aliases.</summary>
    public async Task CreateDomainAsync(string domain, string customerEmail, string[] mailboxes, params (string Alias, string[] To)[] aliases)
    {
        await using (var s = As())
        {
            var customer = await s.ServiceProvider.GetRequiredService<CustomerService>().CreateAsync(new CreateCustomerInput
            {
                Name = domain, Email = customerEmail, Password = "customer-password-1",
                Limits = new PlanLimitsInput { MaxDomains = 2, MaxMailboxes = 10, DiskQuotaMb = 1000 },
            }, Ct);
            Assert.True(customer.Succeeded, customer.Failure?.Message);
            var d = await s.ServiceProvider.GetRequiredService<DomainService>().CreateAsync(new CreateDomainInput { Name = domain, CustomerId = customer.Value!.Id }, Ct);
            Assert.True(d.Succeeded, d.Failure?.Message);
            foreach (var local in mailboxes)
            {
                var m = await s.ServiceProvider.GetRequiredService<MailboxService>()
                    .CreateAsync(domain, new CreateMailboxInput { LocalPart = local, Password = Password, QuotaMb = 50 }, Ct);
                Assert.True(m.Succeeded, m.Failure?.Message);
            }
            foreach (var (alias, to) in aliases)
            {
                var a = await s.ServiceProvider.GetRequiredService<AliasService>()
                    .CreateAsync(domain, new CreateAliasInput { LocalPart = alias, Destinations = to.Select(t => $"{t}@{domain}").ToList() }, Ct);
                Assert.True(a.Succeeded, a.Failure?.Message);
            }
        }
        foreach (var local in mailboxes)
            await EventuallyAsync(() => ImapLoginWorksAsync($"{local}@{domain}"), TimeSpan.FromSeconds(60), $"{local}@{domain} active in the engine");
    }

    /// <summary>One more mailbox in an existing domain, with its own quota, active in the engine.</summary>
    public async Task AddMailboxAsync(string domain, string localPart, long quotaMb)
    {
        await using (var s = As())
        {
            var m = await s.ServiceProvider.GetRequiredService<MailboxService>()
                .CreateAsync(domain, new CreateMailboxInput { LocalPart = localPart, Password = Password, QuotaMb = quotaMb }, Ct);
            Assert.True(m.Succeeded, m.Failure?.Message);
        }
        await EventuallyAsync(() => ImapLoginWorksAsync($"{localPart}@{domain}"), TimeSpan.FromSeconds(60), $"{localPart}@{domain} active in the engine");
    }

    /// <summary>An IMAP client of the engine, logged in as <paramref name="address"/>, as any outside client.</summary>
    public async Task<ImapClient> ImapAsync(string address)
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port("imap"), SecureSocketOptions.None, Ct);
        await client.AuthenticateAsync(address, Password, Ct);
        return client;
    }

    private async Task<bool> ImapLoginWorksAsync(string address)
    {
        try { using var c = await ImapAsync(address); return true; }
        catch (AuthenticationException) { return false; }
    }

    /// <summary>The pool's view of the engine's endpoints, as the running host resolves them.</summary>
    public MailEndpoints Endpoints => App.Services.GetRequiredService<MailEndpoints>();

    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (await condition()) return;
            await Task.Delay(100, Ct);
        }
        Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s");
    }

    public new async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
