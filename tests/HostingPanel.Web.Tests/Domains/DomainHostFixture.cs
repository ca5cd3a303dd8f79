using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HostingPanel.MailEngine.Directory;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// The whole product with a real DNS server from Debian (dnsmasq) as its only resolver (<c>Dns:Servers:0</c>), outbound
/// mail relayed to a local sink, and the worker looking for verification records every second.
/// </summary>
public sealed class DomainHostFixture : MailHostFixture, IAsyncLifetime
{
    public const string Password = "correct-horse-battery";

    public DnsmasqServer Dns { get; private set; } = null!;
    public SmtpRelaySink Relay { get; } = new();
    private bool _available;

    public new async ValueTask InitializeAsync()
    {
        // Without dnsmasq the tests skip (or fail in CI) through RequireDns(); a throwing fixture would fail them all.
        try { Dns = await DnsmasqServer.StartAsync(); }
        catch (Exception) { return; }
        _available = true;
        await base.InitializeAsync();
    }

    public void RequireDns()
    {
        if (!_available) TestEnvironment.RequireTool("dnsmasq", "dnsmasq-base");
    }

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Concat(
    [
        new("Dns:Servers:0", Dns.Endpoint),
        new("Domains:VerificationInterval", "00:00:01"),
        new("Mail:Relay:Host", "127.0.0.1"),
        new("Mail:Relay:Port", Relay.Port.ToString()),
        new("Mail:Relay:Security", "None"),
        new("Mail:Queue:RetryDelay", "00:00:01"),
        new("Mail:Dkim:RotationCheckInterval", "00:00:01"),
    ]);

    /// <summary>A customer (made by the admin) with its API key.</summary>
    public async Task<(string Id, string Email, string Key)> CustomerAsync(string tag)
    {
        using var admin = CreateAdminApiClient();
        var email = $"{tag}-{Guid.NewGuid().ToString("N")[..6]}@customers.example";
        var customer = await Api.Api.CreatedAsync(admin, "/api/v1/customers", new
        {
            name = $"Customer {tag}", email, password = Password,
            limits = new { maxDomains = 10, maxMailboxes = 10, diskQuotaMb = 1_000 },
        });
        return (customer["id"]!.GetValue<string>(), email, await ApiHostFixture.KeyForAsync(admin, email));
    }

    /// <summary>Creates a mailbox through the API and waits until the engine has it.</summary>
    public async Task MailboxAsync(HttpClient caller, string address)
    {
        var (local, domain) = (address[..address.IndexOf('@')], address[(address.IndexOf('@') + 1)..]);
        await Api.Api.CreatedAsync(caller, $"/api/v1/domains/{domain}/mailboxes", new { localPart = local, password = Password, quotaMb = 50 });
        var directory = App.Services.GetRequiredService<MailDirectory>();
        await EventuallyAsync(async () => await directory.FindMailboxAsync(address) is not null, $"{address} provisioned");
    }

    /// <summary>Sends over authenticated submission as <paramref name="from"/>.</summary>
    public async Task SubmitAsync(string from, string to, string subject)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", Port("submission"), SecureSocketOptions.None, Api.Api.Ct);
        await smtp.AuthenticateAsync(from, Password, Api.Api.Ct);
        await smtp.SendAsync(Message(from, to, subject), Api.Api.Ct);
        await smtp.DisconnectAsync(true, Api.Api.Ct);
    }

    /// <summary>Sends on the MX port, as another server on the Internet does.</summary>
    public async Task SendFromInternetAsync(string to, string subject)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", Port("smtp"), SecureSocketOptions.None, Api.Api.Ct);
        await smtp.SendAsync(Message("someone@internet.example", to, subject), Api.Api.Ct);
        await smtp.DisconnectAsync(true, Api.Api.Ct);
    }

    /// <summary>The subjects in a mailbox's INBOX, read over IMAP.</summary>
    public async Task<IReadOnlyList<string>> InboxSubjectsAsync(string address)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", Port("imap"), SecureSocketOptions.None, Api.Api.Ct);
        await imap.AuthenticateAsync(address, Password, Api.Api.Ct);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Api.Api.Ct);
        var subjects = imap.Inbox.Count == 0 ? [] : (await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, Api.Api.Ct)).Select(m => m.Envelope?.Subject ?? "").ToList();
        await imap.DisconnectAsync(true, Api.Api.Ct);
        return subjects;
    }

    public static MimeMessage Message(string from, string to, string subject)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = "hello " + subject };
        return message;
    }

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail("Timed out waiting for: " + what);
    }

    public static async Task<JsonObject> DomainAsync(HttpClient caller, string domain) => (await Api.Api.GetAsync(caller, $"/api/v1/domains/{domain}")).AsObject();

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>A page of Debian's Chromium (launched on first use; skips, or fails under CI, when absent) on this product.</summary>
    public async Task<IPage> NewPageAsync()
    {
        if (_browser is null)
        {
            _playwright = await Playwright.CreateAsync();
            _browser = await Portal.DebianChromium.LaunchAsync(_playwright);
        }
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseAddress.ToString().TrimEnd('/') });
        // Generous: a shared 2-core machine; every wait is for a condition, never a fixed time.
        context.SetDefaultTimeout(60_000);
        context.SetDefaultNavigationTimeout(60_000);
        Assertions.SetDefaultExpectTimeout(45_000);
        return Portal.BrowserFixture.Track(await context.NewPageAsync());
    }

    public new async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
        await Relay.DisposeAsync();
        if (Dns is not null) await Dns.DisposeAsync();
    }
}
