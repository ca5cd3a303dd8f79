using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Identity;

namespace HostingPanel.Application.Users;

/// <summary>Creates portal logins for resellers and customers; same messages in portal and API.</summary>
public sealed class PortalUsers(UserManager<AppUser> users, HostingPanelDbContext db)
{
    public async Task<Failure?> CheckEmailFreeAsync(string email, CancellationToken ct = default)
    {
        if (await users.FindByEmailAsync(email) is not null) return Failure.Conflict("Email", $"A user with the email {email} already exists.");
        if (await LoginAddresses.IsHostedAsync(db, email, ct)) return Failure.Conflict("Email", string.Format(LoginAddresses.HostedAddressMessage, email));
        return null;
    }

    public async Task<ServiceResult<AppUser>> CreateAsync(string email, string password, string role, string? displayName,
        Guid? resellerId = null, Guid? customerId = null, Guid? mailboxId = null)
    {
        var user = new AppUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = displayName,
            ResellerId = resellerId,
            CustomerId = customerId,
            MailboxId = mailboxId,
            LockoutEnabled = true,
        };
        var created = password.Length == 0 ? await users.CreateAsync(user) : await users.CreateAsync(user, password);
        if (!created.Succeeded) return ToFailure(created);
        var inRole = await users.AddToRoleAsync(user, role);
        return inRole.Succeeded ? user : ToFailure(inRole);
    }

    private static Failure ToFailure(IdentityResult result)
    {
        var duplicate = result.Errors.Any(e => e.Code is "DuplicateUserName" or "DuplicateEmail");
        var message = string.Join(" ", result.Errors.Select(e => e.Description));
        return duplicate ? Failure.Conflict("Email", message) : Failure.Invalid(result.Errors.Any(e => e.Code.StartsWith("Password", StringComparison.Ordinal)) ? "Password" : "Email", message);
    }
}
