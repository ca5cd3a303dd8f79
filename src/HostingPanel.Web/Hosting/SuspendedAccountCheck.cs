using System.Security.Claims;
using HostingPanel.Application.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// Ends the portal sessions of a suspended tenant. The cookie carries the user's tenant links; their standing
/// is remembered per user for a few seconds (until a credential change in this process moves the epoch), so
/// suspending takes effect at once without a query on every request.
/// </summary>
public static class SuspendedAccountCheck
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    public static async Task<bool> IsSuspendedAsync(ClaimsPrincipal principal, IServiceProvider services, CancellationToken ct)
    {
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return false;
        var cache = services.GetRequiredService<IMemoryCache>();
        // The same epoch as the API key cache: a suspension saved in this process drops the remembered standing at once.
        var epoch = services.GetRequiredService<CredentialEpoch>();
        var key = "account-in-good-standing:" + userId;
        if (cache.TryGetValue(key, out long checkedAt) && checkedAt == epoch.Current) return false;
        var builtAt = epoch.Current;
        var suspended = await services.GetRequiredService<AccountStanding>().IsSuspendedAsync(
            Read(principal, PanelClaims.ResellerId), Read(principal, PanelClaims.CustomerId), Read(principal, PanelClaims.MailboxId), ct);
        // Only good standing is remembered: a tenant enabled again must be able to sign straight back in.
        if (!suspended) cache.Set(key, builtAt, CacheFor);
        return suspended;
    }

    /// <summary>Runs after Identity's own security-stamp check, which it must not replace.</summary>
    public static void AddTo(CookieAuthenticationOptions options)
    {
        var identityCheck = options.Events.OnValidatePrincipal;
        options.Events.OnValidatePrincipal = async context =>
        {
            await identityCheck(context);
            if (context.Principal is null) return;
            if (await IsSuspendedAsync(context.Principal, context.HttpContext.RequestServices, context.HttpContext.RequestAborted))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            }
        };
    }

    private static Guid? Read(ClaimsPrincipal principal, string type) =>
        Guid.TryParse(principal.FindFirstValue(type), out var id) ? id : null;
}
