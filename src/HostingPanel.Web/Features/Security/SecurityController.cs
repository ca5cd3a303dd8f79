using System.Security.Claims;
using HostingPanel.Application.Users;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Account;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Security;

/// <summary>
/// Every signed-in user's own account security: change the password (the current one asked), two-factor sign-in,
/// and the browsers signed in, each of which can be signed out (or all but this one).
/// </summary>
[Route("account/security")]
public sealed class SecurityController(UserManager<AppUser> users, PortalSessionRegistry sessions, OwnPasswordChange passwords) : PortalController
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
        return new SecurityPage(form, user?.MailboxId is not null, user is not null && await users.GetTwoFactorEnabledAsync(user),
            await sessions.ListAsync(UserId, CurrentSession, ct));
    }
}

public sealed class OwnPasswordForm
{
    public string? CurrentPassword { get; set; }
    public string? Password { get; set; }
}

public sealed record SecurityPage(OwnPasswordForm Form, bool IsMailboxOwner, bool TwoFactorEnabled, IReadOnlyList<PortalSessionView> Sessions);
