using System.Reflection;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Item 10: every portal action says who may use it; none opts out of antiforgery.</summary>
public sealed class AuthorizationCoverageTests
{
    /// <summary>
    /// Pages for anybody: signing in (both steps), the error page, mail programs' autoconfiguration, and the MTA-STS
    /// policy (RFC 8461 section 3.2: fetched anonymously by sending servers; it answers only for mta-sts.&lt;hosted domain&gt;).
    /// </summary>
    private static readonly HashSet<string> Anonymous = ["AccountController.Login", "AccountController.TwoFactor", "HomeController.Error", "AutoconfigController.Thunderbird", "AutoconfigController.Autodiscover", "WebmailLoginController.Login", "MtaStsController.Policy",
        // "Forgot password": asking for a link and using it (PasswordResetTests).
        "PasswordResetController.Forgot", "PasswordResetController.Reset"];

    /// <summary>
    /// Anonymous, read-only endpoints that mail programs call without a browser session, so they cannot carry a token:
    /// Outlook's Autodiscover POST. It changes nothing and answers only for hosted domains.
    /// </summary>
    private static readonly HashSet<string> WithoutAntiforgery = ["AutoconfigController.Autodiscover"];

    /// <summary>Pages for every signed-in user whatever the role (the global policy requires sign-in): each picks its own content.</summary>
    private static readonly HashSet<string> AnySignedIn =
    [
        "AccountController.Logout", "HomeController.Index",
        // Every signed-in user's own password and browser sessions (/account/security): only ever their own.
        "SecurityController.Index", "SecurityController.Password", "SecurityController.End", "SecurityController.EndOthers",
        "SecurityController.RecoveryEmail", "SecurityController.SavePreferences",
    ];

    private static IEnumerable<(Type Controller, MethodInfo Action)> Actions() =>
        typeof(PortalController).Assembly.GetTypes()
            .Where(t => typeof(Controller).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m.GetCustomAttribute<NonActionAttribute>() is null && !m.IsSpecialName)
                .Select(m => (t, m)));

    [Fact]
    public void EveryAction_IsRoleRestricted_OrListedAsPublicOrForAnySignedInUser()
    {
        var actions = Actions().ToList();
        Assert.NotEmpty(actions);
        foreach (var (controller, action) in actions)
        {
            var name = $"{controller.Name}.{action.Name}";
            var anonymous = action.GetCustomAttribute<AllowAnonymousAttribute>() is not null || controller.GetCustomAttribute<AllowAnonymousAttribute>() is not null;
            var roles = action.GetCustomAttribute<RolesOr404Attribute>() is not null || controller.GetCustomAttribute<RolesOr404Attribute>() is not null;
            if (anonymous) Assert.True(Anonymous.Contains(name), $"{name} allows anonymous users but is not listed as public");
            else Assert.True(roles || AnySignedIn.Contains(name), $"{name} has no [RolesOr404]");
            if (!WithoutAntiforgery.Contains(name))
                Assert.Null(action.GetCustomAttribute<IgnoreAntiforgeryTokenAttribute>());
            else
                Assert.True(anonymous, $"{name} skips antiforgery, so it must be an anonymous, read-only endpoint");
        }
        Assert.Null(typeof(PortalController).Assembly.GetTypes().Select(t => t.GetCustomAttribute<IgnoreAntiforgeryTokenAttribute>()).FirstOrDefault(a => a is not null));
    }
}
