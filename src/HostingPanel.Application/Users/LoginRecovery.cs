using System.Security.Cryptography;
using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Users;

/// <summary>A new password for someone else's portal login: given, or generated when left out (then shown once).</summary>
public sealed class ResetLoginPasswordInput
{
    public string? Email { get; set; }
    public string? Password { get; set; }
}

public sealed class ResetLoginPasswordValidator : AbstractValidator<ResetLoginPasswordInput>
{
    public ResetLoginPasswordValidator()
    {
        RuleFor(x => x.Email).NotEmpty().WithMessage("Enter the login's email address.").MaximumLength(320).WithMessage("Enter the login's email address.");
        When(x => x.Password is not null, () => RuleFor(x => x.Password).Password());
    }
}

/// <summary>
/// The login whose password was reset; <see cref="GeneratedPassword"/> only when the product made it up. The user must
/// choose a new password at the next sign-in either way.
/// </summary>
public sealed record LoginPasswordReset(string Email, string? GeneratedPassword);

/// <summary>A login as its manager sees it: whether it is locked out, and whether a new password is still awaited.</summary>
public sealed record ManagedLogin(string Email, string? Name, string Role, DateTimeOffset? LockedOutUntil, bool MustChangePassword);

/// <summary>
/// Password reset and unlock of portal logins by whoever manages them: an admin for every other login, support staff
/// for customers' logins, a reseller for its own customers' logins. Anything else does not exist for the caller (404).
/// A mailbox owner's login has no password of its own (it is the mailbox's: PATCH the mailbox), and one's own password
/// is changed with the current one (/account/security), so neither is reset here.
/// </summary>
public sealed class LoginRecovery(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    UserManager<AppUser> users,
    IValidator<ResetLoginPasswordInput> validator,
    ChangeRecorder recorder)
{
    private const string GeneratedAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private Actor Actor => actorAccessor.Actor;

    public async Task<ServiceResult<LoginPasswordReset>> ResetPasswordAsync(ResetLoginPasswordInput input, CancellationToken ct = default)
    {
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        if (await ManagedLoginAsync(input.Email!, ct) is not { } user) return Failure.NotFound("The login");
        var generated = input.Password is null ? Generate() : null;
        var token = await users.GeneratePasswordResetTokenAsync(user);
        // Resetting also gives the login a new security stamp: its open portal sessions end.
        var reset = await users.ResetPasswordAsync(user, token, input.Password ?? generated!);
        if (!reset.Succeeded) return Failure.Invalid("Password", string.Join(" ", reset.Errors.Select(e => e.Description)));
        await users.ResetAccessFailedCountAsync(user);
        // Someone else knows this password now: the portal asks the user for a new one at the next sign-in.
        user.MustChangePassword = true;
        await users.UpdateAsync(user);
        recorder.Audit("login.password-reset", "User", user.Email!, generated is null ? "password set" : "password generated");
        await db.SaveChangesAsync(ct);
        return new LoginPasswordReset(user.Email!, generated);
    }

    /// <summary>A login the caller manages, with its lockout; 404 for everything else, as for reset and unlock.</summary>
    public async Task<ServiceResult<ManagedLogin>> DescribeAsync(string email, CancellationToken ct = default)
    {
        if (email.Length is 0 or > 320 || await ManagedLoginAsync(email, ct) is not { } user) return Failure.NotFound("The login");
        var until = user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? end : (DateTimeOffset?)null;
        return new ManagedLogin(user.Email!, user.DisplayName, (await users.GetRolesAsync(user)).FirstOrDefault() ?? "", until, user.MustChangePassword);
    }

    /// <summary>Ends a lockout after too many failed sign-ins (and clears the count).</summary>
    public async Task<ServiceResult<Done>> UnlockAsync(string email, CancellationToken ct = default)
    {
        if (await ManagedLoginAsync(email, ct) is not { } user) return Failure.NotFound("The login");
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        recorder.Audit("login.unlock", "User", user.Email!);
        await db.SaveChangesAsync(ct);
        return new Done();
    }

    private async Task<AppUser?> ManagedLoginAsync(string email, CancellationToken ct)
    {
        var user = await users.FindByEmailAsync(email.Trim());
        if (user is null || user.Id == Actor.UserId || user.MailboxId is not null || user.DeletedAt is not null) return null;
        var role = (await users.GetRolesAsync(user)).FirstOrDefault() ?? "";
        if (Actor.IsAdmin) return user;
        if (role != Roles.Customer || user.CustomerId is not { } cid) return null;
        if (Actor.IsSupport) return user;
        // The tenancy filters limit a reseller to its own customers; a deleted one is nobody's to reset.
        if (Actor.IsReseller && await db.Customers.AnyAsync(c => c.Id == cid && c.DeletedAt == null, ct)) return user;
        return null;
    }

    private static string Generate() => RandomNumberGenerator.GetString(GeneratedAlphabet, 20);
}
