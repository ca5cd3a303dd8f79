using FluentValidation;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Account;
using HostingPanel.Web.Features.Shared;
using HostingPanel.Web.Webmail;
using MailKit.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Webmail;

/// <summary>
/// Webmail sign-in: the portal's own mailbox-owner sign-in (same lockout, same cookie), then a webmail
/// session that keeps the password server-side for the IMAP and submission logins.
/// </summary>
[Route("webmail")]
public sealed class WebmailLoginController(
    PortalSignIn signIn, SignInManager<AppUser> signInManager, UserManager<AppUser> users, IValidator<LoginForm> validator,
    WebmailSessions sessions, ImapConnectionPool pool) : Controller
{
    private const string View_ = "~/Features/Webmail/Login.cshtml";

    [AllowAnonymous, HttpGet("login")]
    public IActionResult Login() => View(View_, new LoginForm { Email = User.IsInRole(Roles.MailboxUser) ? User.Identity?.Name : null });

    [AllowAnonymous, HttpPost("login")]
    public async Task<IActionResult> Login(LoginForm form, CancellationToken ct)
    {
        var validation = await validator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            foreach (var e in validation.Errors) ModelState.AddModelError(e.PropertyName, e.ErrorMessage);
            return View(View_, form);
        }
        var email = form.Email!.Trim();
        AppUser? user;
        string? portalSession;
        if (User.IsInRole(Roles.MailboxUser) && await users.GetUserAsync(User) is { MailboxId: not null } current
            && string.Equals(current.Email, email, StringComparison.OrdinalIgnoreCase))
        {
            // Already signed in to the portal as this mailbox (perhaps with a second factor): only the password IMAP needs is asked.
            var right = await signIn.CheckMailboxPasswordAsync(current, form.Password!);
            if (right != true)
            {
                ModelState.AddModelError("", right is null ? PortalSignIn.ThrottledMessage : "The address or password is not right.");
                return View(View_, form);
            }
            user = current;
            portalSession = User.FindFirst(HostingPanel.Application.Users.PortalSessionRegistry.SessionClaim)?.Value;
        }
        else
        {
            var outcome = await signIn.SignInAsync(email, form.Password!);
            if (outcome == PortalSignIn.Outcome.RequiresTwoFactor && await users.FindByEmailAsync(email) is { MailboxId: not null })
                // The second factor first; back here afterwards, signed in, for the password IMAP needs.
                return Redirect("/account/two-factor-code?returnUrl=%2Fwebmail%2Flogin");
            user = outcome == PortalSignIn.Outcome.Failed ? null : await users.FindByEmailAsync(email);
            if (outcome != PortalSignIn.Outcome.SignedIn || user?.MailboxId is null)
            {
                if (outcome is PortalSignIn.Outcome.SignedIn or PortalSignIn.Outcome.RequiresTwoFactor) await signInManager.SignOutAsync();
                ModelState.AddModelError("", outcome switch
                {
                    PortalSignIn.Outcome.LockedOut => PortalSignIn.ThrottledMessage,
                    PortalSignIn.Outcome.Failed => "The address or password is not right.",
                    PortalSignIn.Outcome.Suspended => HostingPanel.Application.Users.AccountStanding.SuspendedMessage,
                    _ => "Webmail is for mailboxes: sign in with a mail address and its mailbox password.",
                });
                return View(View_, form);
            }
            // The sign-in just made is not on this request's User yet: its session id is in the cookie being issued.
            portalSession = HostingPanel.Web.Hosting.PortalSessionCheck.OpenedInThisRequest(HttpContext);
        }
        var mailboxId = user.MailboxId!.Value;
        var id = sessions.Open(mailboxId, portalSession, user.Email!, form.Password!);
        try
        {
            // Log in to IMAP now, so a mailbox without IMAP is told here, not on an empty page.
            await pool.RunAsync(sessions.Find(id, mailboxId, portalSession)!, (_, _) => Task.CompletedTask, ct);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or System.Net.Sockets.SocketException or SslHandshakeException)
        {
            sessions.Close(id);
            ModelState.AddModelError("", e is AuthenticationException
                ? "The mail server refused the login: the mailbox may be suspended or still being set up. Try again in a minute, or ask your provider."
                : "The mail server cannot be reached right now. Try again in a minute.");
            return View(View_, form);
        }
        Response.Cookies.Append(WebmailSessionAttribute.CookieName, id, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = Request.IsHttps, Path = "/webmail", IsEssential = true,
        });
        return Redirect("/webmail");
    }

    [HttpPost("logout"), RolesOr404(Roles.MailboxUser)]
    public async Task<IActionResult> Logout([FromServices] HostingPanel.Application.Users.PortalSessionRegistry portalSessions)
    {
        await AccountController.EndThisSessionAsync(HttpContext, portalSessions);
        if (Request.Cookies[WebmailSessionAttribute.CookieName] is { } id && sessions.Close(id) is { } lastOfMailbox)
            pool.CloseMailbox(lastOfMailbox);
        Response.Cookies.Delete(WebmailSessionAttribute.CookieName, new CookieOptions { Path = "/webmail" });
        await signInManager.SignOutAsync();
        return Redirect("/webmail/login");
    }
}
