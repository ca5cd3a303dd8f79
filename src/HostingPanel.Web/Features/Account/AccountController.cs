using FluentValidation;
using HostingPanel.Application.Users;
using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using System.Security.Claims;

namespace HostingPanel.Web.Features.Account;

[Route("account")]
public sealed class AccountController(PortalSignIn signIn, SignInManager<AppUser> signInManager, IValidator<LoginForm> validator) : Controller
{
    [AllowAnonymous, HttpGet("login")]
    public IActionResult Login(string? returnUrl) => View(new LoginForm { ReturnUrl = returnUrl });

    [AllowAnonymous, HttpPost("login")]
    public async Task<IActionResult> Login(LoginForm form)
    {
        var validation = await validator.ValidateAsync(form);
        if (!validation.IsValid)
        {
            foreach (var e in validation.Errors) ModelState.AddModelError(e.PropertyName, e.ErrorMessage);
            return View(form);
        }
        var outcome = await signIn.SignInAsync(form.Email!.Trim(), form.Password!);
        if (outcome == PortalSignIn.Outcome.RequiresTwoFactor)
            return RedirectToAction(nameof(TwoFactor), new { returnUrl = Url.IsLocalUrl(form.ReturnUrl) ? form.ReturnUrl : null });
        if (outcome != PortalSignIn.Outcome.SignedIn)
        {
            ModelState.AddModelError("", Shared.Text.T(outcome switch
            {
                PortalSignIn.Outcome.LockedOut => PortalSignIn.ThrottledMessage,
                PortalSignIn.Outcome.Suspended => AccountStanding.SuspendedMessage,
                _ => "The email or password is not right.",
            }));
            return View(form);
        }
        return LocalRedirect(Url.IsLocalUrl(form.ReturnUrl) ? form.ReturnUrl! : "/");
    }

    /// <summary>Second step of sign-in for users with two-factor sign-in: the authenticator code, or one recovery code.</summary>
    [AllowAnonymous, HttpGet("two-factor-code")]
    public async Task<IActionResult> TwoFactor(string? returnUrl)
    {
        if (await signInManager.GetTwoFactorAuthenticationUserAsync() is null) return RedirectToAction(nameof(Login));
        return View(new TwoFactorCodeForm { ReturnUrl = returnUrl });
    }

    [AllowAnonymous, HttpPost("two-factor-code")]
    public async Task<IActionResult> TwoFactor(TwoFactorCodeForm form)
    {
        if (await signInManager.GetTwoFactorAuthenticationUserAsync() is null) return RedirectToAction(nameof(Login));
        var code = TwoFactorCodeForm.Normalize(form.Code);
        if (code.Length == 0)
        {
            ModelState.AddModelError(nameof(form.Code), Shared.Text.T("Enter the code from your authenticator app."));
            return View(form);
        }
        // Six digits: the authenticator's code; anything else: one of the recovery codes (each works once).
        var result = code.Length == 6 && code.All(char.IsAsciiDigit)
            ? await signInManager.TwoFactorAuthenticatorSignInAsync(code, isPersistent: false, rememberClient: false)
            : await signInManager.TwoFactorRecoveryCodeSignInAsync(code);
        if (!result.Succeeded)
        {
            ModelState.AddModelError("", Shared.Text.T(result.IsLockedOut ? "Too many failed attempts. Try again in 15 minutes." : "The code is not right."));
            return View(form);
        }
        return LocalRedirect(Url.IsLocalUrl(form.ReturnUrl) ? form.ReturnUrl! : "/");
    }

    [HttpPost("logout")]
    public async Task<IActionResult> Logout([FromServices] PortalSessionRegistry sessions)
    {
        await EndThisSessionAsync(HttpContext, sessions);
        await signInManager.SignOutAsync();
        return RedirectToAction(nameof(Login));
    }

    /// <summary>Signing out ends the session's row too, so its cookie (if kept somewhere) is refused from now on.</summary>
    public static async Task EndThisSessionAsync(HttpContext http, PortalSessionRegistry sessions)
    {
        if (http.User.FindFirstValue(System.Security.Claims.ClaimTypes.NameIdentifier) is { } userId
            && http.User.FindFirstValue(PortalSessionRegistry.SessionClaim) is { } sessionId)
            await sessions.EndAsync(userId, sessionId, http.RequestAborted);
    }
}
