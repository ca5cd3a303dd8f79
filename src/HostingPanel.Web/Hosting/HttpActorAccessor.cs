using System.Security.Claims;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Identity;

namespace HostingPanel.Web.Hosting;

/// <summary>The actor of the current HTTP request, from the cookie or API key principal's claims.</summary>
public sealed class HttpActorAccessor(IHttpContextAccessor http) : IActorAccessor, ITenantScopeAccessor, IActorOverride
{
    private Actor? _actor;

    /// <summary>Background work in a scope acts as a fixed actor (see IActorOverride).</summary>
    public void Use(Actor actor) => _actor = actor;

    /// <summary>
    /// Cached once the request is authenticated; before that (Identity's cookie validation resolves services
    /// ahead of authentication) it is computed anew, so an early anonymous look never sticks to the request.
    /// </summary>
    public Actor Actor
    {
        get
        {
            if (_actor is not null) return _actor;
            var actor = FromPrincipal(http.HttpContext);
            if (http.HttpContext?.User.Identity?.IsAuthenticated == true) _actor = actor;
            return actor;
        }
    }

    public TenantScope Scope => Actor.Scope;

    public static Actor FromPrincipal(HttpContext? context)
    {
        var user = context?.User;
        var remote = context?.Connection.RemoteIpAddress?.ToString();
        if (user?.Identity?.IsAuthenticated != true) return new Actor(null, "anonymous", "", RemoteAddress: remote);
        var role = Roles.All.FirstOrDefault(user.IsInRole) ?? "";
        return new Actor(
            user.FindFirstValue(ClaimTypes.NameIdentifier),
            user.FindFirstValue(ClaimTypes.Email) ?? user.Identity.Name ?? "unknown",
            role,
            ParseGuid(user.FindFirstValue(PanelClaims.ResellerId)),
            ParseGuid(user.FindFirstValue(PanelClaims.CustomerId)),
            ParseGuid(user.FindFirstValue(PanelClaims.MailboxId)),
            remote);
    }

    private static Guid? ParseGuid(string? s) => Guid.TryParse(s, out var g) ? g : null;
}

public static class PanelClaims
{
    public const string ResellerId = "hp:reseller";
    public const string CustomerId = "hp:customer";
    public const string MailboxId = "hp:mailbox";
    /// <summary>Present while the user's password was last set by someone else (a reset): see <see cref="PasswordChangeRequiredFilter"/>.</summary>
    public const string MustChangePassword = "hp:must-change-password";
}
