using System.Security.Claims;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// Ends a portal session (and with it webmail, which needs one) as soon as what it was opened with no longer holds:
/// <list type="bullet">
/// <item>the user's security stamp moved: a new password (the user's own, or a mailbox owner's mailbox password, set
/// by anyone), "sign out everywhere", a reset or an unlock by an administrator;</item>
/// <item>the user's reseller, customer or mailbox is suspended;</item>
/// <item>this one session was signed out from another (the session list, <see cref="PortalSessionRegistry"/>).</item>
/// </list>
/// Identity's own stamp check runs only every 30 minutes; this one on every request, from a per-user answer
/// remembered for a few seconds and dropped at once when a credential change is saved in this process (the same
/// epoch as the API key cache). Another portal node's change is seen within those seconds.
/// </summary>
public static class PortalSessionCheck
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    public static async Task<bool> IsStillValidAsync(ClaimsPrincipal principal, IServiceProvider services, CancellationToken ct)
    {
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return true;
        var stampType = services.GetRequiredService<IOptions<IdentityOptions>>().Value.ClaimsIdentity.SecurityStampClaimType;
        var stamp = principal.FindFirstValue(stampType) ?? "";
        var sessionId = principal.FindFirstValue(PortalSessionRegistry.SessionClaim);
        var cache = services.GetRequiredService<IMemoryCache>();
        var epoch = services.GetRequiredService<CredentialEpoch>();
        var key = $"portal-session-ok:{userId}:{stamp}:{sessionId}";
        if (cache.TryGetValue(key, out long checkedAt) && checkedAt == epoch.Current) return true;
        var builtAt = epoch.Current;

        var db = services.GetRequiredService<HostingPanelDbContext>();
        var user = await db.Users.IgnoreQueryFilters().AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.SecurityStamp, u.ResellerId, u.CustomerId, u.MailboxId }).FirstOrDefaultAsync(ct);
        if (user is null || !string.Equals(user.SecurityStamp ?? "", stamp, StringComparison.Ordinal)) return false;
        if (await services.GetRequiredService<AccountStanding>().IsSuspendedAsync(user.ResellerId, user.CustomerId, user.MailboxId, ct)) return false;
        if (sessionId is not null && !await services.GetRequiredService<PortalSessionRegistry>().IsOpenAsync(userId, sessionId, ct)) return false;
        // Only a valid answer is remembered: a session refused once stays refused.
        cache.Set(key, builtAt, CacheFor);
        return true;
    }

    /// <summary>
    /// Every sign-in (password, second factor, mailbox owner, a refresh after one's own password change) gets a row in the
    /// session registry and its id in the cookie; a refresh of the current browser keeps its id.
    /// </summary>
    private static async Task OpenSessionAsync(CookieSigningInContext context)
    {
        var principal = context.Principal;
        if (principal?.Identity is not System.Security.Claims.ClaimsIdentity identity || identity.HasClaim(c => c.Type == PortalSessionRegistry.SessionClaim)) return;
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return;
        var http = context.HttpContext;
        var current = http.User.FindFirstValue(ClaimTypes.NameIdentifier) == userId ? http.User.FindFirstValue(PortalSessionRegistry.SessionClaim) : null;
        var id = current ?? await http.RequestServices.GetRequiredService<PortalSessionRegistry>().OpenAsync(
            userId, http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString(), http.RequestAborted);
        identity.AddClaim(new Claim(PortalSessionRegistry.SessionClaim, id));
        http.Items[JustOpenedKey] = id;
    }

    private const string JustOpenedKey = "hp.portal-session-opened";

    /// <summary>The session a sign-in in this request opened (the request's own User is still the one it came with).</summary>
    public static string? OpenedInThisRequest(HttpContext http) => http.Items[JustOpenedKey] as string;

    /// <summary>Identity's periodic stamp check rebuilds the principal from the user row: the session id goes along.</summary>
    public static Task KeepSessionIdAsync(SecurityStampRefreshingPrincipalContext context)
    {
        if (context.CurrentPrincipal?.FindFirstValue(PortalSessionRegistry.SessionClaim) is { } id
            && context.NewPrincipal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == PortalSessionRegistry.SessionClaim))
            identity.AddClaim(new Claim(PortalSessionRegistry.SessionClaim, id));
        return Task.CompletedTask;
    }

    /// <summary>Runs after Identity's own security-stamp check, which it must not replace.</summary>
    public static void AddTo(CookieAuthenticationOptions options)
    {
        var signingIn = options.Events.OnSigningIn;
        options.Events.OnSigningIn = async context =>
        {
            await signingIn(context);
            await OpenSessionAsync(context);
        };
        var identityCheck = options.Events.OnValidatePrincipal;
        options.Events.OnValidatePrincipal = async context =>
        {
            await identityCheck(context);
            if (context.Principal is null) return;
            if (!await IsStillValidAsync(context.Principal, context.HttpContext.RequestServices, context.HttpContext.RequestAborted))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            }
        };
    }
}
