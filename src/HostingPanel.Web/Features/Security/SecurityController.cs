using System.Security.Claims;
using HostingPanel.Application.Users;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Account;
using HostingPanel.Web.Features.Shared;
using HostingPanel.Web.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using HostingPanel.Application.Common;
using FluentValidation;
using HostingPanel.Application.Localization;

namespace HostingPanel.Web.Features.Security;

/// <summary>
/// Every signed-in user's own account security: change the password (the current one asked), two-factor sign-in,
/// and the browsers signed in, each of which can be signed out (or all but this one).
/// </summary>
[Route("account/security")]
public sealed class SecurityController(UserManager<AppUser> users, PortalSessionRegistry sessions, OwnPasswordChange passwords, PortalSignIn signIn) : PortalController
{
    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct) => View(await PageAsync(new OwnPasswordForm(), ct));

    [HttpPost("password")]
    public async Task<IActionResult> Password(OwnPasswordForm form, CancellationToken ct)
    {
        if (User.IsInRole(Roles.MailboxUser)) return NotFound(); // a mailbox's password is changed at /my/password
        var failure = await passwords.ChangePortalPasswordAsync(form.CurrentPassword, form.Password, ct);
        if (failure is null)
        {
            Flash("Your password was changed. Your other sessions were signed out.");
            return RedirectToAction(nameof(Index));
        }
        if (Show(failure) is { } notFound) return notFound;
        return View(nameof(Index), await PageAsync(new OwnPasswordForm(), ct));
    }

    /// <summary>
    /// Where "forgot password" links go instead of the login address. The current password is asked: whoever finds a
    /// session open must not be able to send the next reset link to an address of their own.
    /// </summary>
    [HttpPost("recovery-email")]
    public async Task<IActionResult> RecoveryEmail(RecoveryEmailForm form, [FromServices] FluentValidation.IValidator<RecoveryEmailForm> validator, CancellationToken ct)
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return NotFound();
        var validation = await validator.ValidateAsync(form, ct);
        foreach (var e in validation.Errors) ModelState.AddModelError(e.PropertyName, e.ErrorMessage);
        if (validation.IsValid)
        {
            var right = user.MailboxId is null
                ? await signIn.CheckOwnPasswordAsync(user, form.CurrentPassword!)
                : await signIn.CheckMailboxPasswordAsync(user, form.CurrentPassword!);
            if (right != true)
                ModelState.AddModelError("RecoveryCurrentPassword", right is null ? PortalSignIn.ThrottledMessage : HostingPanel.Application.Mailboxes.ChangePasswordInput.WrongCurrentPassword);
        }
        if (!ModelState.IsValid) return View(nameof(Index), await PageAsync(new OwnPasswordForm(), ct));
        user.RecoveryEmail = string.IsNullOrWhiteSpace(form.RecoveryEmail) ? null : form.RecoveryEmail.Trim();
        await users.UpdateAsync(user);
        Flash(user.RecoveryEmail is null ? "Reset links now go to your login address." : $"Reset links now go to {user.RecoveryEmail}.");
        return RedirectToAction(nameof(Index));
    }

    /// <summary>The user's language and time zone; values not on the lists are refused (never stored, never looked up).</summary>
    [HttpPost("preferences")]
    public async Task<IActionResult> SavePreferences(PreferencesInput form, [FromServices] IValidator<PreferencesInput> validator, [FromServices] UserPreferences preferences, CancellationToken ct)
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return NotFound();
        var validation = await validator.ValidateAsync(form, ct);
        foreach (var e in validation.Errors) ModelState.AddModelError("Preferences." + e.PropertyName, e.ErrorMessage);
        if (!validation.IsValid) return View(nameof(Index), await PageAsync(new OwnPasswordForm(), ct));
        await preferences.SaveAsync(user, form, ct);
        // The confirmation is in the language just chosen, as the page it leads to.
        var culture = string.IsNullOrEmpty(form.Language) ? System.Globalization.CultureInfo.CurrentUICulture : Languages.CultureOf(form.Language);
        TempData["Success"] = ProductText.Translate("Your language and time zone were saved.", culture);
        return RedirectToAction(nameof(Index));
    }

    /// <summary>A reseller's default for its own tree; only ever its own (the id comes from its sign-in, not the form).</summary>
    [HttpPost("reseller-defaults"), RolesOr404(Roles.Reseller)]
    public async Task<IActionResult> ResellerDefaults(PreferencesInput form, [FromServices] ResellerDefaults defaults, CancellationToken ct)
    {
        if (!Guid.TryParse(User.FindFirstValue(PanelClaims.ResellerId), out var resellerId)) return NotFound();
        var result = await defaults.SetAsync(resellerId, form, ct);
        if (result.Failure is { Kind: FailureKind.NotFound }) return NotFound();
        if (result.Failure is { } failure) TempData["Error"] = Text.T(failure.Errors.Values.SelectMany(m => m).FirstOrDefault() ?? failure.Message);
        else Flash("The reseller's language and time zone were saved.");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("sessions/{id}/end")]
    public async Task<IActionResult> End(string id, CancellationToken ct)
    {
        if (!await sessions.EndAsync(UserId, id, ct)) return NotFound();
        Flash("That session was signed out.");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("sessions/end-others")]
    public async Task<IActionResult> EndOthers(CancellationToken ct)
    {
        var ended = await sessions.EndOthersAsync(UserId, CurrentSession, ct);
        Flash(ended == 1 ? "1 other session was signed out." : $"{ended} other sessions were signed out.");
        return RedirectToAction(nameof(Index));
    }

    private string UserId => User.FindFirstValue(ClaimTypes.NameIdentifier)!;
    private string? CurrentSession => User.FindFirstValue(PortalSessionRegistry.SessionClaim);

    private async Task<SecurityPage> PageAsync(OwnPasswordForm form, CancellationToken ct)
    {
        var user = await users.GetUserAsync(User);
        TreeDefaultsForm? treeDefaults = null;
        if (User.IsInRole(Roles.Reseller) && user?.ResellerId is { } resellerId
            && (await HttpContext.RequestServices.GetRequiredService<ResellerDefaults>().GetAsync(resellerId, ct)).Value is { } d)
            treeDefaults = new TreeDefaultsForm("/account/security/reseller-defaults", d.Language, d.TimeZone);
        return new SecurityPage(form, user?.MailboxId is not null, user is not null && await users.GetTwoFactorEnabledAsync(user),
            await sessions.ListAsync(UserId, CurrentSession, ct), user?.RecoveryEmail,
            // From the sign-in's claim: a portal login's own flag, or a mailbox owner's mailbox reset by someone else.
            User.HasClaim(PanelClaims.MustChangePassword, "true"), user?.Language, user?.TimeZone, treeDefaults);
    }
}

public sealed class OwnPasswordForm
{
    public string? CurrentPassword { get; set; }
    public string? Password { get; set; }
}

public sealed record SecurityPage(OwnPasswordForm Form, bool IsMailboxOwner, bool TwoFactorEnabled, IReadOnlyList<PortalSessionView> Sessions,
    string? RecoveryEmail = null, bool MustChangePassword = false, string? Language = null, string? TimeZone = null, TreeDefaultsForm? TreeDefaults = null);

/// <summary>An empty address goes back to sending reset links to the login address.</summary>
public sealed class RecoveryEmailForm
{
    public string? RecoveryEmail { get; set; }
    public string? CurrentPassword { get; set; }
}

public sealed class RecoveryEmailFormValidator : FluentValidation.AbstractValidator<RecoveryEmailForm>
{
    public RecoveryEmailFormValidator()
    {
        When(x => !string.IsNullOrWhiteSpace(x.RecoveryEmail), () => RuleFor(x => x.RecoveryEmail).Address());
        RuleFor(x => x.CurrentPassword).NotEmpty().WithMessage("Enter your current password.").MaximumLength(200)
            .OverridePropertyName("RecoveryCurrentPassword");
    }
}
