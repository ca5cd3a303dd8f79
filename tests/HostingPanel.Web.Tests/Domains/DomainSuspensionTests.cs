using System.Diagnostics;
using System.Net;
using HostingPanel.Web.Tests.Api;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;
using MailKit;
using MailKit.Net.Pop3;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// Issue 20.3: a single domain suspended and brought back by its provider (admin or the customer's reseller), through
/// the API and the portal, with the mail engine in the process: logins and incoming mail are refused while it is
/// suspended, and work again after; the customer itself, support staff and another reseller cannot touch it.
/// </summary>
public sealed class DomainSuspensionTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string Password = "correct-horse-battery";

    private sealed record World(HttpClient Admin, HttpClient Reseller, HttpClient Customer, HttpClient OtherReseller, string Domain, string Address) : IDisposable
    {
        public void Dispose() { Admin.Dispose(); Reseller.Dispose(); Customer.Dispose(); OtherReseller.Dispose(); }
    }

    private async Task<World> WorldAsync()
    {
        var admin = host.CreateAdminApiClient();
        async Task<(string Id, string Key)> ResellerAsync()
        {
            var email = Unique("suspend-r") + "@resellers.example";
            var r = await CreatedAsync(admin, "/api/v1/resellers", new
            {
                name = "Suspending Reseller", email, password = Password,
                limits = new { maxCustomers = 2, maxDomains = 2, maxMailboxes = 2, diskQuotaMb = 100 },
            });
            return (r["id"]!.GetValue<string>(), await ApiHostFixture.KeyForAsync(admin, email));
        }
        var (_, resellerKey) = await ResellerAsync();
        var (_, otherKey) = await ResellerAsync();
        var reseller = host.CreateClient(resellerKey);
        var customerEmail = Unique("suspend-c") + "@customers.example";
        await CreatedAsync(reseller, "/api/v1/customers", new
        {
            name = "Suspended Customer", email = customerEmail, password = Password,
            limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 50 },
        });
        var customer = host.CreateClient(await ApiHostFixture.KeyForAsync(reseller, customerEmail));
        var domain = Unique("suspend") + ".example";
        await CreatedAsync(customer, "/api/v1/domains", new { name = domain });
        await CreatedAsync(customer, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "user", password = Password, quotaMb = 10 });
        var world = new World(admin, reseller, customer, host.CreateClient(otherKey), domain, $"user@{domain}");
        await EventuallyAsync(() => Pop3LoginWorksAsync(world.Address), "POP3 login of the new mailbox");
        return world;
    }

    [Fact]
    public async Task ResellerSuspendsADomain_LoginsAndIncomingMailAreRefused_UntilItIsBroughtBack()
    {
        using var w = await WorldAsync();
        var path = $"/api/v1/domains/{w.Domain}";

        var suspended = await OkAsync(w.Reseller, HttpMethod.Patch, path, new { enabled = false });
        Assert.False(suspended["enabled"]!.GetValue<bool>());
        Assert.NotNull(suspended["suspendedAt"]);
        await EventuallyAsync(async () => !await Pop3LoginWorksAsync(w.Address), "POP3 login refused while the domain is suspended");
        await EventuallyAsync(async () => (await GetAsync(w.Reseller, path))["status"]!.GetValue<string>() == "suspended", "domain status suspended");
        await EventuallyAsync(async () => (await GetAsync(w.Reseller, $"{path}/mailboxes/user"))["status"]!.GetValue<string>() == "suspended", "mailbox status suspended");
        // Incoming mail is refused at RCPT TO, as for a suspended customer's mailbox; the mail already there is kept.
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(w.Address));
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, refused.ErrorCode);
        Assert.Equal(550, (int)refused.StatusCode);
        // The portal: the owner knows the password, so it is told the account is suspended, and nothing more happens.
        var (signedIn, page) = await PortalSignInAsync(w.Address);
        Assert.False(signedIn);
        Assert.Contains("This account is suspended", page);

        // The customer cannot lift its provider's suspension, nor can support staff or another reseller (404: not theirs).
        await ProblemAsync(w.Customer, HttpMethod.Patch, path, new { enabled = true }, HttpStatusCode.NotFound);
        await ProblemAsync(w.OtherReseller, HttpMethod.Patch, path, new { enabled = true }, HttpStatusCode.NotFound);
        await ProblemAsync(w.OtherReseller, HttpMethod.Get, path, null, HttpStatusCode.NotFound);
        Assert.False((await GetAsync(w.Customer, path))["enabled"]!.GetValue<bool>());

        var resumed = await OkAsync(w.Admin, HttpMethod.Patch, path, new { enabled = true });
        Assert.True(resumed["enabled"]!.GetValue<bool>());
        Assert.Null(resumed["suspendedAt"]);
        await EventuallyAsync(() => Pop3LoginWorksAsync(w.Address), "POP3 login after bringing the domain back");
        await EventuallyAsync(async () => (await GetAsync(w.Reseller, path))["status"]!.GetValue<string>() == "active", "domain status active again");
        await SendAsync(w.Address);
        Assert.True((await PortalSignInAsync(w.Address)).SignedIn);
    }

    [Fact]
    public async Task BadBodies_AreClear400s_AndAnUnknownDomainIs404()
    {
        using var w = await WorldAsync();
        var problem = await ProblemAsync(w.Reseller, HttpMethod.Patch, $"/api/v1/domains/{w.Domain}", new { enabled = "maybe" }, HttpStatusCode.BadRequest);
        Assert.NotEmpty(Errors(problem, "enabled"));
        await ProblemAsync(w.Reseller, HttpMethod.Patch, $"/api/v1/domains/nobody-{w.Domain}", new { enabled = false }, HttpStatusCode.NotFound);
        await ProblemAsync(w.Reseller, HttpMethod.Patch, "/api/v1/domains/not..a..name", new { enabled = false }, HttpStatusCode.NotFound);
        // An empty change is not a suspension.
        Assert.True((await OkAsync(w.Reseller, HttpMethod.Patch, $"/api/v1/domains/{w.Domain}", new { }))["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Portal_ResellerSuspendsAndBringsBack_TheCustomerSeesItButHasNoButton()
    {
        using var w = await WorldAsync();
        var resellerEmail = (await GetAsync(w.Reseller, "/api/v1/me"))["email"]!.GetValue<string>();
        using var reseller = await PortalSession.SignInAsync(host, resellerEmail, Password);
        var details = $"/domains/{w.Domain}";
        Assert.Contains("Suspend domain", await reseller.GetStringAsync(details));
        var response = await reseller.PostFormAsync(details, $"{details}/suspend", []);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await reseller.GetStringAsync(details);
        Assert.Contains("id=\"domain-suspended\"", page);
        Assert.Contains("Bring back into service", page);
        await EventuallyAsync(async () => !await Pop3LoginWorksAsync(w.Address), "POP3 login refused after the portal's suspension");

        var customerEmail = (await GetAsync(w.Customer, "/api/v1/me"))["email"]!.GetValue<string>();
        using (var customer = await PortalSession.SignInAsync(host, customerEmail, Password))
        {
            var seen = await customer.GetStringAsync(details);
            Assert.Contains("id=\"domain-suspended\"", seen);
            Assert.DoesNotContain("Bring back into service", seen);
            Assert.Equal(HttpStatusCode.NotFound, (await customer.PostFormAsync(details, $"{details}/resume", [])).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await reseller.PostFormAsync(details, $"{details}/resume", [])).StatusCode);
        Assert.DoesNotContain("id=\"domain-suspended\"", await reseller.GetStringAsync(details));
        await EventuallyAsync(() => Pop3LoginWorksAsync(w.Address), "POP3 login after the portal brought it back");
    }

    private async Task<(bool SignedIn, string Page)> PortalSignInAsync(string address)
    {
        using var session = new PortalSession(host.CreateClient());
        var response = await session.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = address, ["Password"] = Password });
        return (response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task SendAsync(string to)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", host.Port("smtp"), SecureSocketOptions.None, Ct);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@outside.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "while suspended?";
        message.Body = new TextPart("plain") { Text = "hello" };
        await smtp.SendAsync(message, Ct);
        await smtp.DisconnectAsync(true, Ct);
    }

    private async Task<bool> Pop3LoginWorksAsync(string address)
    {
        using var pop = new Pop3Client();
        await pop.ConnectAsync("127.0.0.1", host.Port("pop3"), SecureSocketOptions.None, Ct);
        try
        {
            await pop.AuthenticateAsync(address, Password, Ct);
            // QUIT, so that the maildrop lock (RFC 1939 section 8) is released before the next check logs in.
            await pop.DisconnectAsync(true, Ct);
            return true;
        }
        catch (AuthenticationException) { return false; }
        // The password was taken, but the maildrop is still locked by the previous check's session: logged in all the same.
        catch (Pop3CommandException) { return true; }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        // Generous: the worker normally applies a change well under a second, but the machine may be loaded.
        var timeout = TimeSpan.FromSeconds(30);
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            try
            {
                if (await condition()) return;
            }
            catch (IOException)
            {
                // A session cut while the change is applied (the server ends a suspended domain's sessions) tells
                // nothing either way: look again.
            }
            await Task.Delay(50, Ct);
        }
        Assert.Fail($"{what} did not happen within {timeout.TotalSeconds} s");
    }
}
