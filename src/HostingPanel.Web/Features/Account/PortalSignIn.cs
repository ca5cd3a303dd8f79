using System.Net;
using HostingPanel.Application.Common;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Web.Features.Account;

/// <summary>
/// Portal sign-in, for portal users and for mailbox owners (address and mailbox password).
/// <list type="bullet">
/// <item>A hosted mailbox's address always signs in as that mailbox, whoever else claims the address.</item>
/// <item>Failures are throttled per client address and per (login, client address) pair with the mail protocols'
/// <see cref="LoginThrottle"/>, never per account: failing on purpose from one place cannot lock the owner out from
/// another, nor disable the account's API keys (Identity's own lockout is not used for passwords).</item>
/// <item>Every attempt costs the same: one portal-password check (Identity's PBKDF2) and one mailbox-password check
/// ({ARGON2ID}), one of them against a dummy hash, so the answer time does not tell which logins exist. Both run in
/// the process's tenant-fair <see cref="PasswordCheckPool"/>.</item>
/// </list>
/// </summary>
public sealed class PortalSignIn(
    SignInManager<AppUser> signIn,
    UserManager<AppUser> users,
    HostingPanelDbContext db,
    IMailboxPasswordHasher mailboxHasher,
    PasswordCheckPool pool,
    PortalUsers portalUsers,
    LoginThrottle throttle,
    IHttpContextAccessor http,
    AccountStanding standing,
    ILogger<PortalSignIn> log)
{
    /// <summary>RequiresTwoFactor: the password was right; Identity's two-factor cookie now waits for the authenticator code.</summary>
    public enum Outcome { SignedIn, Failed, LockedOut, RequiresTwoFactor, Suspended }

    public const string ThrottledMessage = "Too many failed attempts. Try again in a few minutes.";

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<AppUser>().HashPassword(new AppUser(), Guid.NewGuid().ToString()));
    private static string? _dummyMailboxHash;

    private IPAddress? ClientAddress => http.HttpContext?.Connection.RemoteIpAddress;

    public async Task<Outcome> SignInAsync(string login, string password)
    {
        var address = login.Trim().ToLowerInvariant();
        var ip = ClientAddress;
        if (throttle.IsThrottled(address, ip)) return Outcome.LockedOut;
        var outcome = await CheckAsync(address, password);
        if (outcome is Outcome.SignedIn or Outcome.RequiresTwoFactor or Outcome.Suspended) throttle.RecordSuccess(address, ip);
        else throttle.RecordFailure(address, ip);
        return outcome;
    }

    /// <summary>Whether the signed-in user's own password is <paramref name="password"/> (a change asks for it), throttled like a sign-in.</summary>
    public async Task<bool?> CheckOwnPasswordAsync(AppUser user, string password)
    {
        var address = (user.Email ?? "").ToLowerInvariant();
        var ip = ClientAddress;
        if (throttle.IsThrottled(address, ip)) return null;
        var right = await pool.RunAsync(TenantOf(user), () => users.CheckPasswordAsync(user, password));
        if (right) throttle.RecordSuccess(address, ip);
        else throttle.RecordFailure(address, ip);
        return right;
    }

    /// <summary>
    /// The password of a mailbox whose owner is already signed in (webmail needs it for IMAP; the portal cookie does not
    /// carry it), throttled like a sign-in; null when throttled.
    /// </summary>
    public async Task<bool?> CheckMailboxPasswordAsync(AppUser owner, string password)
    {
        var address = (owner.Email ?? "").ToLowerInvariant();
        var ip = ClientAddress;
        if (throttle.IsThrottled(address, ip)) return null;
        var hash = owner.MailboxId is { } id
            ? await db.Mailboxes.IgnoreQueryFilters().AsNoTracking().Where(m => m.Id == id && m.Status != EntityStatus.Deleting).Select(m => m.PasswordHash).FirstOrDefaultAsync()
            : null;
        var right = await mailboxHasher.VerifyAsync(hash ?? DummyMailboxHash(), password, TenantOf(owner)) && hash is not null;
        if (right) throttle.RecordSuccess(address, ip);
        else throttle.RecordFailure(address, ip);
        return right;
    }

    private async Task<Outcome> CheckAsync(string login, string password)
    {
        // A hosted mailbox's address is that mailbox's login, even if a portal user was given the same address.
        if (await FindMailboxAsync(login) is { } mailbox)
        {
            await VerifyDummyPortalPasswordAsync(password);
            var owner = await OwnerOfAsync(mailbox);
            if (owner is null)
            {
                await VerifyDummyMailboxPasswordAsync(password);
                return Outcome.Failed;
            }
            return await SignInMailboxOwnerAsync(owner, mailbox, password);
        }

        var user = await users.FindByEmailAsync(login);
        if (user is null || user.MailboxId is not null || user.DeletedAt is not null)
        {
            // Unknown, a deleted staff user, or the owner of a mailbox that is gone: the same work as a real attempt, the same answer.
            await VerifyDummyPortalPasswordAsync(password);
            await VerifyDummyMailboxPasswordAsync(password);
            return Outcome.Failed;
        }

        await VerifyDummyMailboxPasswordAsync(password);
        if (await users.IsLockedOutAsync(user))
        {
            // Identity refuses a locked-out user before hashing; hash anyway, so the time does not tell.
            await VerifyDummyPortalPasswordAsync(password);
            return Outcome.LockedOut;
        }
        var result = await pool.RunAsync(TenantOf(user), () => signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: false));
        // Only someone who knows the password learns that the account is suspended.
        if ((result.Succeeded || result.RequiresTwoFactor) && await standing.IsSuspendedAsync(user))
        {
            await signIn.SignOutAsync();
            return Outcome.Suspended;
        }
        return result.Succeeded ? Outcome.SignedIn
            : result.RequiresTwoFactor ? Outcome.RequiresTwoFactor
            : result.IsLockedOut ? Outcome.LockedOut
            : Outcome.Failed;
    }

    /// <summary>
    /// The mailbox's portal account, created at its first sign-in; a mailbox purged and created again under the same
    /// address is a new mailbox, which the account follows. Null when a portal user that is not a mailbox owner holds
    /// the address (made before such collisions were refused): neither signs in until an administrator resolves it.
    /// </summary>
    private async Task<AppUser?> OwnerOfAsync(MailboxLogin mailbox)
    {
        var user = await users.FindByEmailAsync(mailbox.Address);
        if (user is null)
        {
            var created = await portalUsers.CreateAsync(mailbox.Address, "", Roles.MailboxUser, null, customerId: mailbox.CustomerId, mailboxId: mailbox.Id);
            return created.Succeeded ? created.Value : null;
        }
        if (user.MailboxId is null)
        {
            log.LogWarning("The portal login {Login} is also a hosted mailbox's address; the mailbox owns it, so neither signs in until the portal user gets another address", mailbox.Address);
            return null;
        }
        if (user.MailboxId != mailbox.Id)
        {
            user.MailboxId = mailbox.Id;
            user.CustomerId = mailbox.CustomerId;
            // A new mailbox is a new owner: nothing the old one's sessions or second factor held carries over.
            user.SecurityStamp = PortalSessionRevocation.NewStamp();
            await users.SetTwoFactorEnabledAsync(user, false);
            await users.UpdateAsync(user);
        }
        return user;
    }

    /// <summary>A mailbox owner has no portal password: the mailbox's own (current) password is checked.</summary>
    private async Task<Outcome> SignInMailboxOwnerAsync(AppUser user, MailboxLogin mailbox, string password)
    {
        var hash = await db.Mailboxes.IgnoreQueryFilters().AsNoTracking().Where(m => m.Id == mailbox.Id).Select(m => m.PasswordHash).FirstOrDefaultAsync();
        var valid = hash is not null && await mailboxHasher.VerifyAsync(hash, password, TenantOf(user));
        if (await users.IsLockedOutAsync(user)) return Outcome.LockedOut;
        if (!valid) return Outcome.Failed;
        if (await standing.IsSuspendedAsync(user)) return Outcome.Suspended;
        // Mailbox owners may set up two-factor sign-in too: the password is then only the first step.
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            await signIn.Context.SignInAsync(IdentityConstants.TwoFactorUserIdScheme, StoreTwoFactorInfo(user.Id));
            return Outcome.RequiresTwoFactor;
        }
        await signIn.SignInAsync(user, isPersistent: false);
        return Outcome.SignedIn;
    }

    /// <summary>What Identity's own password sign-in stores for the second step (its TwoFactorUserIdScheme cookie).</summary>
    private static System.Security.Claims.ClaimsPrincipal StoreTwoFactorInfo(string userId)
    {
        var identity = new System.Security.Claims.ClaimsIdentity(IdentityConstants.TwoFactorUserIdScheme);
        identity.AddClaim(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Name, userId));
        return new System.Security.Claims.ClaimsPrincipal(identity);
    }

    /// <summary>The pool's fairness key: the tenant the login belongs to.</summary>
    public static string TenantOf(AppUser user) =>
        user.CustomerId is { } c ? "customer:" + c
        : user.ResellerId is { } r ? "reseller:" + r
        : "staff";

    private Task VerifyDummyPortalPasswordAsync(string password) =>
        pool.RunOnThreadPoolAsync(MailAuthenticator.UnknownTenant, () => users.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash.Value, password));

    private Task VerifyDummyMailboxPasswordAsync(string password) =>
        mailboxHasher.VerifyAsync(DummyMailboxHash(), password, MailAuthenticator.UnknownTenant);

    private string DummyMailboxHash() => _dummyMailboxHash ??= mailboxHasher.Hash(Guid.NewGuid().ToString());

    private async Task<MailboxLogin?> FindMailboxAsync(string login)
    {
        if (!EmailAddress.TryParse(login, out var address, out _)) return null;
        var localPart = address!.LocalPart.Value;
        var domain = address.Domain.Value;
        return await db.Mailboxes.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.LocalPart == localPart && m.Domain!.Name == domain
                && m.Status != EntityStatus.Deleting && m.Domain.Status != EntityStatus.Deleting)
            .Select(m => new MailboxLogin(m.Id, m.Domain!.CustomerId, m.LocalPart + "@" + m.Domain.Name))
            .FirstOrDefaultAsync();
    }

    private sealed record MailboxLogin(Guid Id, Guid CustomerId, string Address);
}
