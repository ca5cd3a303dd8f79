using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// After someone else reset a user's password, the portal shows that user nothing but the security page (where the
/// password is changed), two-factor set-up and sign-out, until a new password is chosen. The claim comes from the
/// user row at sign-in; the reset itself ended every older session.
/// </summary>
/// <remarks>
/// A mailbox owner has no portal password of its own: its mailbox's password was set by someone else (a PATCH by staff,
/// its reseller or customer), and it is sent to the mailbox's own password page (/my/password) instead.
/// </remarks>
public sealed class PasswordChangeRequiredFilter : IAuthorizationFilter
{
    private static readonly HashSet<string> Allowed = new(StringComparer.Ordinal) { "Security", "Account", "PasswordReset", "TwoFactor" };

    public void OnAuthorization(AuthorizationFilterContext context)
    {
        var user = context.HttpContext.User;
        if (!user.HasClaim(PanelClaims.MustChangePassword, "true")) return;
        if (context.ActionDescriptor is ControllerActionDescriptor action
            && (Allowed.Contains(action.ControllerName) || action is { ControllerName: "MyMailbox", ActionName: "Password" })) return;
        context.Result = new RedirectResult(user.FindFirst(PanelClaims.MailboxId) is not null ? "/my/password" : "/account/security");
    }
}
