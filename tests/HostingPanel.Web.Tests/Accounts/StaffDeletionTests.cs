using System.Net;
using System.Net.Http.Headers;
using HostingPanel.Application.ApiKeys;
using HostingPanel.Application.Common;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// Issue 20.3: a staff account is deleted after a confirmation that names it: it cannot sign in, its open session and
/// its API keys stop at once; an admin restores it during the grace period. Nobody deletes itself.
/// </summary>
public sealed class StaffDeletionTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    private const string Password = "staff-password-123";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string Id, string Email)> SupportUserAsync()
    {
        var email = $"support-{Guid.NewGuid():N}"[..20] + "@staff.example";
        using var scope = host.App.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Sam Support", LockoutEnabled = true };
        Assert.True((await users.CreateAsync(user, Password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, Roles.Support)).Succeeded);
        return (user.Id, email);
    }

    private async Task<string> KeyOfAsync(string id, string email)
    {
        using var scope = host.App.Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(new Actor(id, email, Roles.Support));
        var key = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(new CreateApiKeyInput { Name = "support script" }, Ct);
        Assert.True(key.Succeeded, key.Failure?.Message);
        return key.Value!.Key;
    }

    private async Task<HttpStatusCode> ApiStatusAsync(string key)
    {
        using var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return (await client.GetAsync("/api/v1/customers", Ct)).StatusCode;
    }

    [Fact]
    public async Task AdminDeletesAStaffAccount_SignInSessionAndKeysStop_RestoreBringsItBack()
    {
        var (id, email) = await SupportUserAsync();
        var key = await KeyOfAsync(id, email);
        Assert.Equal(HttpStatusCode.OK, await ApiStatusAsync(key));
        using var support = await PortalSession.SignInAsync(host, email, Password);
        Assert.Equal(HttpStatusCode.OK, await support.StatusOfAsync("/"));

        using var admin = await PortalSession.AdminAsync(host);
        var confirmation = await admin.GetStringAsync($"/staff/{id}/delete");
        Assert.Contains($"Delete the staff account {email}?", confirmation);
        Assert.Contains("API keys stop working", confirmation);
        var deleted = await admin.PostFormAsync($"/staff/{id}/delete", $"/staff/{id}/delete", []);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, await support.StatusOfAsync("/")); // back to the sign-in page
        Assert.Equal(HttpStatusCode.Unauthorized, await ApiStatusAsync(key));
        using (var again = new PortalSession(host.CreateClient()))
        {
            var refused = await again.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = Password });
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("The email or password is not right.", await refused.Content.ReadAsStringAsync(Ct));
        }
        var list = await admin.GetStringAsync("/staff");
        Assert.Contains("Deleted staff accounts", list);
        Assert.Equal(HttpStatusCode.NotFound, await admin.StatusOfAsync($"/staff/{id}/delete")); // already deleted

        var restored = await admin.PostFormAsync("/staff", $"/staff/{id}/restore", []);
        Assert.Equal(HttpStatusCode.Redirect, restored.StatusCode);
        using var back = await PortalSession.SignInAsync(host, email, Password);
        Assert.Equal(HttpStatusCode.OK, await back.StatusOfAsync("/"));
        Assert.Equal(HttpStatusCode.OK, await ApiStatusAsync(key));
    }

    [Fact]
    public async Task NobodyDeletesItself_AndSupportCannotDeleteAnyone()
    {
        string adminId;
        using (var scope = host.App.Services.CreateScope())
            adminId = (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().FindByEmailAsync(PanelHostFixture.AdminEmail))!.Id;
        using var admin = await PortalSession.AdminAsync(host);
        var own = await admin.PostFormAsync("/staff", $"/staff/{adminId}/delete", []);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains("You cannot delete your own account.", await own.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, await admin.StatusOfAsync("/staff"));

        var (otherId, _) = await SupportUserAsync();
        var (id, email) = await SupportUserAsync();
        using var support = await PortalSession.SignInAsync(host, email, Password);
        Assert.Equal(HttpStatusCode.NotFound, await support.StatusOfAsync($"/staff/{otherId}/delete"));
        var refused = await support.PostFormAsync("/account/security", $"/staff/{otherId}/delete", []);
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await admin.StatusOfAsync($"/staff/{otherId}/delete")); // still there
        _ = id;
    }
}
