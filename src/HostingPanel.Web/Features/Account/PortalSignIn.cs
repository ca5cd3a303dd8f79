using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Identity;

namespace HostingPanel.Web.Features.Account;

/// <summary>
/// Portal sign-in with lockout. Unknown users cost the same password hash as known ones, so the response
/// time does not tell which addresses exist (ASP.NET Identity alone returns early for them).
/// </summary>
public sealed class PortalSignIn(SignInManager<AppUser> signIn, UserManager<AppUser> users)
{
    public enum Outcome { SignedIn, Failed, LockedOut }

    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<AppUser>().HashPassword(new AppUser(), Guid.NewGuid().ToString()));

    public async Task<Outcome> SignInAsync(string login, string password)
    {
        var user = await users.FindByEmailAsync(login);
        if (user is null)
        {
            users.PasswordHasher.VerifyHashedPassword(new AppUser(), DummyHash.Value, password);
            return Outcome.Failed;
        }
        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        return result.Succeeded ? Outcome.SignedIn : result.IsLockedOut ? Outcome.LockedOut : Outcome.Failed;
    }
}
