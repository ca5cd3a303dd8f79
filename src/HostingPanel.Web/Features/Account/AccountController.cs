using FluentValidation;
using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

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
        if (outcome != PortalSignIn.Outcome.SignedIn)
        {
            ModelState.AddModelError("", outcome == PortalSignIn.Outcome.LockedOut
                ? "Too many failed attempts. Try again in 15 minutes."
                : "The email or password is not right.");
            return View(form);
        }
        return LocalRedirect(Url.IsLocalUrl(form.ReturnUrl) ? form.ReturnUrl! : "/");
    }

    [HttpPost("logout")]
    public async Task<IActionResult> Logout()
    {
        await signInManager.SignOutAsync();
        return RedirectToAction(nameof(Login));
    }
}
