using System.Text;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using QRCoder;

namespace HostingPanel.Web.Features.TwoFactor;

/// <summary>
/// Two-factor sign-in for portal users with Identity's authenticator (TOTP, RFC 6238): enable with a
/// confirmed code, disable, new recovery codes. Mailbox owners too: their mailbox password is then the first step.
/// </summary>
[Route("account/two-factor"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer, Roles.MailboxUser)]
public sealed class TwoFactorController(UserManager<AppUser> users, SignInManager<AppUser> signIn) : PortalController
{
    public const string Issuer = "HostingPanel";
    public const int RecoveryCodeCount = 10;

    [HttpGet("")]
    public async Task<IActionResult> Index()
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return NotFound();
        return View(await SetupAsync(user));
    }

    [HttpPost("enable")]
    public async Task<IActionResult> Enable(string? code)
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return NotFound();
        if (!await IsValidCodeAsync(user, code))
        {
            ModelState.AddModelError("code", "The code is not right. Check the time on your phone and try the newest code.");
            return View(nameof(Index), await SetupAsync(user));
        }
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount);
        // Enabling changes the security stamp: renew this browser's cookie so it stays signed in.
        await signIn.RefreshSignInAsync(user);
        return View("RecoveryCodes", codes!.ToList());
    }

    [HttpPost("disable")]
    public async Task<IActionResult> Disable(string? code)
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return NotFound();
        if (!user.TwoFactorEnabled) return RedirectToAction(nameof(Index));
        if (!await IsValidCodeAsync(user, code))
        {
            ModelState.AddModelError("code", "The code is not right.");
            return View(nameof(Index), await SetupAsync(user));
        }
        await users.SetTwoFactorEnabledAsync(user, false);
        // A new key, so an authenticator set up before no longer matches if it is enabled again.
        await users.ResetAuthenticatorKeyAsync(user);
        await signIn.RefreshSignInAsync(user);
        Flash("Two-factor sign-in is off.");
        return RedirectToAction(nameof(Index));
    }

    [HttpPost("recovery-codes")]
    public async Task<IActionResult> RecoveryCodes()
    {
        var user = await users.GetUserAsync(User);
        if (user is null) return NotFound();
        if (!user.TwoFactorEnabled) return RedirectToAction(nameof(Index));
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount);
        return View("RecoveryCodes", codes!.ToList());
    }

    private async Task<bool> IsValidCodeAsync(AppUser user, string? code)
    {
        var digits = (code ?? "").Replace(" ", "").Replace("-", "");
        return digits.Length == 6 && digits.All(char.IsAsciiDigit)
            && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, digits);
    }

    private async Task<TwoFactorSetup> SetupAsync(AppUser user)
    {
        if (user.TwoFactorEnabled)
            return new TwoFactorSetup(true, null, null, await users.CountRecoveryCodesAsync(user));
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            // Identity gives the user a new security stamp with a new key, which would end this very session: renew its cookie.
            await users.ResetAuthenticatorKeyAsync(user);
            await signIn.RefreshSignInAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }
        var email = await users.GetEmailAsync(user) ?? user.UserName ?? "";
        var uri = $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(email)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6";
        return new TwoFactorSetup(false, FormatKey(key!), QrCodeDataUri(uri), 0);
    }

    /// <summary>The key in groups of four, as people type it into an authenticator app.</summary>
    private static string FormatKey(string key)
    {
        var text = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            if (i > 0) text.Append(' ');
            text.Append(key.AsSpan(i, Math.Min(4, key.Length - i)));
        }
        return text.ToString().ToLowerInvariant();
    }

    /// <summary>The QR code drawn on the server as SVG, served as an image (img-src data: in the CSP; no script).</summary>
    private static string QrCodeDataUri(string text)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.Q);
        var svg = new SvgQRCode(data).GetGraphic(5);
        return "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(svg));
    }
}

public sealed record TwoFactorSetup(bool Enabled, string? SharedKey, string? QrCodeDataUri, int RecoveryCodesLeft);
