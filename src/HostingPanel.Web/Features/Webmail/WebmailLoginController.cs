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
        var outcome = await signIn.SignInAsync(email, form.Password!);
        var user = outcome == PortalSignIn.Outcome.Failed ? null : await users.FindByEmailAsync(email);
        if (outcome != PortalSignIn.Outcome.SignedIn || user?.MailboxId is not { } mailboxId)
        {
            if (outcome is PortalSignIn.Outcome.SignedIn or PortalSignIn.Outcome.RequiresTwoFactor) await signInManager.SignOutAsync();
            ModelState.AddModelError("", outcome switch
            {
                PortalSignIn.Outcome.LockedOut => "Too many failed attempts. Try again in 15 minutes.",
                PortalSignIn.Outcome.Failed => "The address or password is not right.",
                PortalSignIn.Outcome.Suspended => HostingPanel.Application.Users.AccountStanding.SuspendedMessage,
                _ => "Webmail is for mailboxes: sign in with a mail address and its mailbox password.",
            });
            return View(View_, form);
        }

        var id = sessions.Open(mailboxId, user.Email!, form.Password!);
        try
        {
            // Log in to IMAP now, so a mailbox without IMAP is told here, not on an empty page.
            await pool.RunAsync(sessions.Find(id, mailboxId)!, (_, _) => Task.CompletedTask, ct);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or System.Net.Sockets.SocketException or SslHandshakeException)
        {
            sessions.Close(id);
            ModelState.AddModelError("", e is AuthenticationException
                ? "The mail server refused the login: IMAP may be switched off for this mailbox (ask your provider), or the mailbox is still being set up."
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
    public async Task<IActionResult> Logout()
    {
        if (Request.Cookies[WebmailSessionAttribute.CookieName] is { } id && sessions.Close(id) is { } lastOfMailbox)
            pool.CloseMailbox(lastOfMailbox);
        Response.Cookies.Delete(WebmailSessionAttribute.CookieName, new CookieOptions { Path = "/webmail" });
        await signInManager.SignOutAsync();
        return Redirect("/webmail/login");
    }
}
