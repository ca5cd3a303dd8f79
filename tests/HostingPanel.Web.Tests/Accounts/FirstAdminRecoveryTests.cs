using System.Net;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Hosting;
using HostingPanel.Web.Tests.Portal;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 16 item 6: the first admin always has a documented way in. Locked out, with a lost authenticator, and with a
/// forgotten password, a restart with `Bootstrap:ResetAdminPassword=true` gives the admin a new password and clears
/// the lockout and two-factor sign-in; the old sessions end.
/// </summary>
public sealed class FirstAdminRecoveryTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hp-tests", Guid.NewGuid().ToString("N"));

    private async Task<(Microsoft.AspNetCore.Builder.WebApplication App, Uri Address)> StartAsync(params string[] extra)
    {
        string[] args = ["--Urls=http://127.0.0.1:0", $"--Storage:DataDirectory={_data}", "--Roles=Portal", "--Bootstrap:AdminEmail=root@example.com",
            "--Logging:LogLevel:Default=Warning", .. extra];
        var app = PanelHost.Build(args);
        await PanelHost.StartAsync(app);
        return (app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
    }

    [Fact]
    public async Task ResetAdminPassword_AtStart_LetsTheFirstAdminBackIn_AndEndsItsOldSessions()
    {
        var (first, address) = await StartAsync("--Bootstrap:AdminPassword=first-admin-password");
        var oldCookies = new CookieContainer();
        await using (first)
        {
            using var old = await SignInAsync(address, "first-admin-password", oldCookies);
            using var scope = first.Services.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var admin = (await users.FindByEmailAsync("root@example.com"))!;
            // The worst case: locked out, two-factor on with the phone lost.
            await users.SetLockoutEndDateAsync(admin, DateTimeOffset.UtcNow.AddYears(1));
            await users.SetTwoFactorEnabledAsync(admin, true);
            await first.StopAsync(TestContext.Current.CancellationToken);
        }

        var (second, address2) = await StartAsync("--Bootstrap:ResetAdminPassword=true", "--Bootstrap:AdminPassword=recovered-admin-password");
        await using (second)
        {
            using var admin = await SignInAsync(address2, "recovered-admin-password", new CookieContainer());
            Assert.Equal(HttpStatusCode.OK, await admin.StatusOfAsync("/staff"));
            Assert.Contains("user.reset-admin", await admin.GetStringAsync("/audit"));
            // The session from before the reset is over (its cookie still decrypts: the keys are in the data directory).
            var moved = new CookieContainer();
            foreach (Cookie c in oldCookies.GetCookies(address)) moved.Add(address2, new Cookie(c.Name, c.Value, "/"));
            using var old = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = moved }) { BaseAddress = address2 };
            Assert.Equal(HttpStatusCode.Redirect, (await old.GetAsync("/staff", TestContext.Current.CancellationToken)).StatusCode);
        }
    }

    private static async Task<PortalSession> SignInAsync(Uri address, string password, CookieContainer cookies)
    {
        var session = new PortalSession(new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = address });
        var response = await session.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = "root@example.com", ["Password"] = password });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(PortalSession.Ct));
        return session;
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
