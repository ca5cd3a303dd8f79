using System.Security.Claims;
using HostingPanel.Application.Common;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Auth;
using HostingPanel.Web.Hosting;
using HostingPanel.Web.Webmail;
using Microsoft.AspNetCore.Identity;

namespace HostingPanel.Web.Features.Account;

/// <summary>
/// A signed-in user changes its own password: the current one is asked first (checked in the shared hash pool and
/// throttled like a sign-in, so a borrowed session cannot guess it), every other session ends, and this browser
/// stays signed in with a fresh cookie.
/// </summary>
public sealed class OwnPasswordChange(
    MailboxService mailboxes,
    UserManager<AppUser> users,
    SignInManager<AppUser> signIn,
    LoginThrottle throttle,
    WebmailSessions webmail,
    ImapConnectionPool imapPool,
    PasswordCheckPool hashPool,
    FluentValidation.IValidator<ChangePasswordInput> validator,
    IHttpContextAccessor http)
{
    private HttpContext Http => http.HttpContext!;

    /// <summary>A mailbox owner: the mailbox's password (IMAP, POP3, SMTP and the portal all use it).</summary>
    public async Task<Failure?> ChangeMailboxPasswordAsync(ChangePasswordInput input, CancellationToken ct)
    {
        var (address, ip) = Who();
        if (throttle.IsThrottled(address, ip)) return Failure.Invalid(nameof(input.CurrentPassword), PortalSignIn.ThrottledMessage);
        var result = await mailboxes.ChangeOwnPasswordAsync(input, ct);
        if (!result.Succeeded)
        {
            if (result.Failure!.Errors.TryGetValue(nameof(input.CurrentPassword), out var errors) && errors.Contains(ChangePasswordInput.WrongCurrentPassword))
                throttle.RecordFailure(address, ip);
            return result.Failure;
        }
        throttle.RecordSuccess(address, ip);
        if (await users.GetUserAsync(Http.User) is { MailboxId: { } mailboxId } user)
        {
            // The webmail sessions hold the old password: they end, and the pooled IMAP logins with them.
            webmail.CloseAllOf(mailboxId);
            imapPool.CloseMailbox(address);
            await signIn.RefreshSignInAsync(user);
        }
        return null;
    }

    /// <summary>A portal user (admin, support, reseller, customer): its own portal password.</summary>
    public async Task<Failure?> ChangePortalPasswordAsync(string? current, string? next, CancellationToken ct)
    {
        var (address, ip) = Who();
        var user = await users.GetUserAsync(Http.User);
        if (user is null || user.MailboxId is not null) return Failure.NotFound("The user");
        // The same rules and messages as every other password form.
        var validation = await validator.ValidateAsync(new ChangePasswordInput { CurrentPassword = current, Password = next }, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        if (throttle.IsThrottled(address, ip)) return Failure.Invalid("CurrentPassword", PortalSignIn.ThrottledMessage);
        // Identity checks the current password itself; the pool keeps the check fair (PBKDF2 costs like a sign-in).
        var changed = await hashPool.RunAsync(PortalSignIn.TenantOf(user), () => users.ChangePasswordAsync(user, current!, next!), ct);
        if (!changed.Succeeded)
        {
            if (changed.Errors.Any(e => e.Code == "PasswordMismatch"))
            {
                throttle.RecordFailure(address, ip);
                return Failure.Invalid("CurrentPassword", ChangePasswordInput.WrongCurrentPassword);
            }
            return Failure.Invalid("Password", string.Join(" ", changed.Errors.Select(e => e.Description)));
        }
        throttle.RecordSuccess(address, ip);
        // A password someone else set (a reset) is replaced now: the portal stops asking for a new one.
        if (user.MustChangePassword)
        {
            user.MustChangePassword = false;
            await users.UpdateAsync(user);
        }
        // ChangePasswordAsync gave the user a new security stamp, which ended every session; this one continues.
        await signIn.RefreshSignInAsync(user);
        return null;
    }

    private (string Address, System.Net.IPAddress? Ip) Who() =>
        ((Http.User.FindFirstValue(ClaimTypes.Email) ?? Http.User.Identity?.Name ?? "").ToLowerInvariant(), Http.Connection.RemoteIpAddress);
}
