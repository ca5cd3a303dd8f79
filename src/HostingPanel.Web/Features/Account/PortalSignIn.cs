using HostingPanel.Application.Common;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Web.Features.Account;

/// <summary>
/// Portal sign-in with lockout, for portal users and for mailbox owners (address and mailbox password).
/// Every attempt costs the same: exactly one portal-password verification (Identity's PBKDF2) and one
/// mailbox-password verification ({ARGON2ID}), whether the login is a portal user, a mailbox owner,
/// unknown, or locked out; the real check is one of them, the other runs against a dummy hash. So the
/// response time does not tell which addresses exist (ASP.NET Identity alone returns early for unknown
/// and locked-out users), and unknown logins lock out after as many failures as real ones.
/// </summary>
public sealed class PortalSignIn(
    SignInManager<AppUser> signIn,
    UserManager<AppUser> users,
    HostingPanelDbContext db,
    IMailboxPasswordHasher mailboxHasher,
    PortalUsers portalUsers,
    UnknownLoginLockout unknownLockout,
    LoginThrottle throttle,
    IHttpContextAccessor http,
    AccountStanding standing)
{
    /// <summary>RequiresTwoFactor: the password was right; Identity's two-factor cookie now waits for the authenticator code.</summary>
    public enum Outcome { SignedIn, Failed, LockedOut, RequiresTwoFactor, Suspended }

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<AppUser>().HashPassword(new AppUser(), Guid.NewGuid().ToString()));
    private static string? _dummyMailboxHash;

    public async Task<Outcome> SignInAsync(string login, string password)
    {
        // The throttle the mail protocols use (docs/architecture.md: per address and per client IP across IMAP, POP3,
        // SMTP and the portal): Identity's lockout stops guessing one account, this also stops a spray
        // of one password over many addresses. It applies to existing and unknown logins alike.
        var address = login.Trim().ToLowerInvariant();
        var ip = http.HttpContext?.Connection.RemoteIpAddress;
        if (throttle.IsThrottled(address, ip)) return Outcome.LockedOut;
        var outcome = await CheckAsync(login, password);
        if (outcome is Outcome.SignedIn or Outcome.RequiresTwoFactor) throttle.RecordSuccess(address);
        else throttle.RecordFailure(address, ip);
        return outcome;
    }

    private async Task<Outcome> CheckAsync(string login, string password)
    {
        var user = await users.FindByEmailAsync(login);
        if (user is null)
        {
            // Not a portal user: perhaps a mailbox owner signing in for the first time.
            var mailbox = await FindMailboxAsync(login);
            if (mailbox is null)
            {
                VerifyDummyPortalPassword(password);
                VerifyDummyMailboxPassword(password);
                if (unknownLockout.IsLockedOut(login)) return Outcome.LockedOut;
                return unknownLockout.RecordFailure(login) ? Outcome.LockedOut : Outcome.Failed;
            }
            // The owner's portal account is created at its first attempt, so failed attempts lock out like any other user.
            var created = await portalUsers.CreateAsync(mailbox.Address, "", Roles.MailboxUser, null,
                customerId: mailbox.CustomerId, mailboxId: mailbox.Id);
            if (!created.Succeeded) return Outcome.Failed;
            user = created.Value!;
        }
        if (user.MailboxId is not null)
        {
            // A mailbox purged and created again under the same address is a new mailbox: follow it.
            if (await FindMailboxAsync(login) is { } current && current.Id != user.MailboxId)
            {
                user.MailboxId = current.Id;
                user.CustomerId = current.CustomerId;
                await users.UpdateAsync(user);
            }
            VerifyDummyPortalPassword(password);
            return await SignInMailboxOwnerAsync(user, user.MailboxId.Value, password);
        }

        VerifyDummyMailboxPassword(password);
        if (await users.IsLockedOutAsync(user))
        {
            // Identity refuses a locked-out user before hashing; hash anyway, so the time does not tell.
            VerifyDummyPortalPassword(password);
            return Outcome.LockedOut;
        }
        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
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

    /// <summary>A mailbox owner has no portal password: the mailbox's own (current) password is checked.</summary>
    private async Task<Outcome> SignInMailboxOwnerAsync(AppUser user, Guid mailboxId, string password)
    {
        var mailbox = await db.Mailboxes.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.Id == mailboxId && m.Status != EntityStatus.Deleting && m.Domain!.Status != EntityStatus.Deleting)
            .Select(m => new { m.PasswordHash }).FirstOrDefaultAsync();
        var hash = mailbox?.PasswordHash ?? DummyMailboxHash();
        var valid = mailboxHasher.Verify(hash, password) && mailbox is not null;
        if (await users.IsLockedOutAsync(user)) return Outcome.LockedOut;
        if (!valid)
        {
            await users.AccessFailedAsync(user);
            return await users.IsLockedOutAsync(user) ? Outcome.LockedOut : Outcome.Failed;
        }
        await users.ResetAccessFailedCountAsync(user);
        if (await standing.IsSuspendedAsync(user)) return Outcome.Suspended;
        await signIn.SignInAsync(user, isPersistent: false);
        return Outcome.SignedIn;
    }

    private void VerifyDummyPortalPassword(string password) =>
        users.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash.Value, password);

    private void VerifyDummyMailboxPassword(string password) => mailboxHasher.Verify(DummyMailboxHash(), password);

    private string DummyMailboxHash() => _dummyMailboxHash ??= mailboxHasher.Hash(Guid.NewGuid().ToString());

    private async Task<MailboxLogin?> FindMailboxAsync(string login)
    {
        if (!EmailAddress.TryParse(login, out var address, out _)) return null;
        var localPart = address!.LocalPart.Value;
        var domain = address.Domain.Value;
        return await db.Mailboxes.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.LocalPart == localPart && m.Domain!.Name == domain && m.Enabled
                && m.Status != EntityStatus.Deleting && m.Domain.Status != EntityStatus.Deleting)
            .Select(m => new MailboxLogin(m.Id, m.Domain!.CustomerId, m.LocalPart + "@" + m.Domain.Name))
            .FirstOrDefaultAsync();
    }

    private sealed record MailboxLogin(Guid Id, Guid CustomerId, string Address);
}
