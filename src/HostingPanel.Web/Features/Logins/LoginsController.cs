using HostingPanel.Application.Users;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Logins;

/// <summary>
/// Someone else's portal login, for whoever manages it (admins every other login, support staff and resellers their
/// customers'): reset its password (given, or generated and shown once; the user must choose a new one at the next
/// sign-in) and end a lockout. The same service as the API's /api/v1/logins routes; anything else is 404.
/// </summary>
[Route("logins"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller)]
public sealed class LoginsController(LoginRecovery recovery) : PortalController
{
    [HttpGet("manage")]
    public async Task<IActionResult> Manage(string? email, CancellationToken ct)
    {
        var login = await recovery.DescribeAsync(email ?? "", ct);
        if (!login.Succeeded) return NotFound();
        return View(new ManageLoginPage(login.Value!, new ResetLoginForm { Email = login.Value!.Email }, null));
    }

    [HttpPost("reset-password")]
    public async Task<IActionResult> Reset(ResetLoginForm form, CancellationToken ct)
    {
        var input = new ResetLoginPasswordInput { Email = form.Email, Password = form.Generate ? null : form.Password ?? "" };
        var result = await recovery.ResetPasswordAsync(input, ct);
        if (!result.Succeeded && Show(result.Failure!) is { } notFound) return notFound;
        var login = await recovery.DescribeAsync(form.Email ?? "", ct);
        if (!login.Succeeded) return NotFound();
        if (result.Succeeded)
            TempData["Success"] = $"The password of {result.Value!.Email} was reset. They choose a new one at their next sign-in.";
        return View(nameof(Manage), new ManageLoginPage(login.Value!, new ResetLoginForm { Email = login.Value!.Email }, result.Value?.GeneratedPassword));
    }

    [HttpPost("unlock")]
    public async Task<IActionResult> Unlock(string? email, CancellationToken ct)
    {
        var result = await recovery.UnlockAsync(email ?? "", ct);
        if (!result.Succeeded) return NotFound();
        Flash($"{email} can sign in again.");
        return Redirect("/logins/manage?email=" + Uri.EscapeDataString(email!));
    }
}

/// <summary>Generate (the default) makes up a password and shows it once; otherwise <see cref="Password"/> is used.</summary>
public sealed class ResetLoginForm
{
    public string? Email { get; set; }
    public bool Generate { get; set; }
    public string? Password { get; set; }
}

public sealed record ManageLoginPage(ManagedLogin Login, ResetLoginForm Form, string? GeneratedPassword);
