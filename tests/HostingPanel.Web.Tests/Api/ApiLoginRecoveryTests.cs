using System.Net;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Tests.Portal;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>POST /api/v1/logins/reset-password and /unlock: by whoever manages the login, and by nobody else (404).</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiLoginRecoveryTests(ApiHostFixture host)
{
    /// <summary>A customer of reseller A of its own, so that changing its password disturbs no other test.</summary>
    private async Task<string> CustomerLoginAsync()
    {
        using var reseller = host.Client(host.A.ResellerKey);
        var email = $"{Unique("login")}@customers.example";
        await CreatedAsync(reseller, "/api/v1/customers", new
        {
            name = "Login owner", email, password = ApiHostFixture.Password,
            limits = new { maxDomains = 0, maxMailboxes = 0, diskQuotaMb = 0 },
        });
        return email;
    }

    private async Task<bool> SignsInAsync(string email, string password)
    {
        using var anonymous = new PortalSession(host.CreateClient());
        var response = await anonymous.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });
        return response.StatusCode == HttpStatusCode.Redirect;
    }

    [Fact]
    public async Task Reseller_ResetsItsCustomersLogin_WithAGeneratedPassword_ShownOnce_TheOldOneStops()
    {
        var email = await CustomerLoginAsync();
        using var reseller = host.Client(host.A.ResellerKey);
        var reset = await OkAsync(reseller, HttpMethod.Post, "/api/v1/logins/reset-password", new { email });
        Assert.Equal(email, reset["email"]!.GetValue<string>());
        var generated = reset["generatedPassword"]!.GetValue<string>();
        Assert.Equal(20, generated.Length);
        Assert.True(await SignsInAsync(email, generated));
        Assert.False(await SignsInAsync(email, ApiHostFixture.Password));

        // A given password is used as it is (and not echoed back); the same rules as everywhere.
        var given = await OkAsync(reseller, HttpMethod.Post, "/api/v1/logins/reset-password", new { email, password = "a-new-password-42" });
        Assert.Null(given["generatedPassword"]);
        Assert.True(await SignsInAsync(email, "a-new-password-42"));
        var tooShort = await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/logins/reset-password", new { email, password = "short" }, HttpStatusCode.BadRequest);
        Assert.Equal(["The password needs at least 10 characters."], Errors(tooShort, "password"));
    }

    [Fact]
    public async Task OutsideTheCallersCare_ItsOwnLogin_AndMailboxOwners_Are404_AndNothingChanges()
    {
        var email = await CustomerLoginAsync();
        var body = new { email, password = "taken-over-password" };
        // Another reseller, a customer (also for a sibling), the customer itself: 404.
        using (var other = host.Client(host.B.ResellerKey))
            await ProblemAsync(other, HttpMethod.Post, "/api/v1/logins/reset-password", body, HttpStatusCode.NotFound);
        using (var customer = host.Client(host.A.CustomerKey))
        {
            await ProblemAsync(customer, HttpMethod.Post, "/api/v1/logins/reset-password", body, HttpStatusCode.NotFound);
            await ProblemAsync(customer, HttpMethod.Post, "/api/v1/logins/reset-password", new { email = host.A.CustomerEmail, password = "taken-over-password" }, HttpStatusCode.NotFound);
            await ProblemAsync(customer, HttpMethod.Post, "/api/v1/logins/unlock", new { email }, HttpStatusCode.NotFound);
        }
        // Support staff manage customers' logins, not resellers'; unknown addresses look the same as foreign ones.
        using (var support = host.Client(host.SupportKey))
        {
            await ProblemAsync(support, HttpMethod.Post, "/api/v1/logins/reset-password", new { email = host.A.ResellerEmail, password = "taken-over-password" }, HttpStatusCode.NotFound);
            await ProblemAsync(support, HttpMethod.Post, "/api/v1/logins/reset-password", new { email = "nobody@nowhere.example", password = "taken-over-password" }, HttpStatusCode.NotFound);
        }
        // A reseller cannot reset its own login here, nor an admin's.
        using (var reseller = host.Client(host.A.ResellerKey))
        {
            await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/logins/reset-password", new { email = host.A.ResellerEmail, password = "taken-over-password" }, HttpStatusCode.NotFound);
            await ProblemAsync(reseller, HttpMethod.Post, "/api/v1/logins/reset-password", new { email = Infrastructure.PanelHostFixture.AdminEmail, password = "taken-over-password" }, HttpStatusCode.NotFound);
        }
        Assert.True(await SignsInAsync(email, ApiHostFixture.Password));
        Assert.False(await SignsInAsync(email, "taken-over-password"));
    }

    [Fact]
    public async Task LockedOutLogin_IsUnlockedByItsReseller_OrSupport_AndSignsInAgain()
    {
        var email = await CustomerLoginAsync();
        using (var scope = host.App.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var user = (await users.FindByEmailAsync(email))!;
            Assert.True((await users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddHours(1))).Succeeded);
        }
        Assert.False(await SignsInAsync(email, ApiHostFixture.Password));
        using (var other = host.Client(host.B.ResellerKey))
            await ProblemAsync(other, HttpMethod.Post, "/api/v1/logins/unlock", new { email }, HttpStatusCode.NotFound);
        Assert.False(await SignsInAsync(email, ApiHostFixture.Password));

        using var support = host.Client(host.SupportKey);
        var (status, _, _) = await SendAsync(support, HttpMethod.Post, "/api/v1/logins/unlock", new { email });
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.True(await SignsInAsync(email, ApiHostFixture.Password));
    }
}
