using System.Security.Cryptography;
using HostingPanel.Application.ApiKeys;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Web.Hosting;

/// <summary>What start-up prepares before anything listens: schema, roles, the first admin, the automation key.</summary>
public sealed class Bootstrapper(
    HostingPanelDbContext db,
    UserManager<AppUser> users,
    RoleManager<IdentityRole> roles,
    IConfiguration config,
    PanelSettings settings,
    ILogger<Bootstrapper> log)
{
    public const string PasswordFileName = "initial-admin-password.txt";

    /// <summary>Runs every start; each step is idempotent. Returns a generated admin password, if one was made now.</summary>
    public async Task<string?> RunAsync(CancellationToken ct)
    {
        await DatabaseSetup.MigrateAsync(db, settings, ct);
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));

        var generated = await EnsureFirstAdminAsync() ?? await ResetFirstAdminAsync();
        await EnsureAutomationKeyAsync(ct);
        return generated;
    }

    /// <summary>
    /// The first admin's way back in (`Bootstrap:ResetAdminPassword=true` at start, by whoever runs the server): the
    /// admin of `Bootstrap:AdminEmail` gets `Bootstrap:AdminPassword` (or a generated one, printed and written like the
    /// first), its lockout and two-factor sign-in are cleared and every session of it ends. Audited.
    /// </summary>
    private async Task<string?> ResetFirstAdminAsync()
    {
        if (!string.Equals(config["Bootstrap:ResetAdminPassword"], "true", StringComparison.OrdinalIgnoreCase)) return null;
        var email = config["Bootstrap:AdminEmail"] ?? "admin@example.com";
        var admin = await users.FindByEmailAsync(email);
        if (admin is null || !await users.IsInRoleAsync(admin, Roles.Admin))
            throw new StartupProblem($"Bootstrap:ResetAdminPassword is set but {email} is not an admin. Set Bootstrap:AdminEmail to the admin's address.");
        var configured = config["Bootstrap:AdminPassword"];
        var password = string.IsNullOrEmpty(configured) ? GeneratePassword() : configured;
        var token = await users.GeneratePasswordResetTokenAsync(admin);
        var reset = await users.ResetPasswordAsync(admin, token, password);
        if (!reset.Succeeded)
            throw new StartupProblem($"Cannot reset the password of {email}: {string.Join(" ", reset.Errors.Select(e => e.Description))}");
        await users.SetLockoutEndDateAsync(admin, null);
        await users.ResetAccessFailedCountAsync(admin);
        await users.SetTwoFactorEnabledAsync(admin, false);
        await users.ResetAuthenticatorKeyAsync(admin); // also a new security stamp: every session of the admin ends
        db.AuditEntries.Add(new AuditEntry("startup", "user.reset-admin", "User", email, "Bootstrap:ResetAdminPassword: password reset, lockout and two-factor sign-in cleared", null));
        await db.SaveChangesAsync();
        log.LogWarning("Bootstrap:ResetAdminPassword: the password of {Email} was reset; remove the setting again", email);
        if (configured is not null) return null;
        var file = Path.Combine(settings.DataDirectory, PasswordFileName);
        await File.WriteAllTextAsync(file, $"{email}\n{password}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return password;
    }

    private async Task<string?> EnsureFirstAdminAsync()
    {
        if (await users.Users.AnyAsync()) return null;
        var email = config["Bootstrap:AdminEmail"] ?? "admin@example.com";
        var configured = config["Bootstrap:AdminPassword"];
        var password = string.IsNullOrEmpty(configured) ? GeneratePassword() : configured;
        var admin = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Administrator", LockoutEnabled = true };
        var result = await users.CreateAsync(admin, password);
        if (!result.Succeeded)
            throw new StartupProblem($"Cannot create the first admin {email}: {string.Join(" ", result.Errors.Select(e => e.Description))} Fix Bootstrap:AdminEmail or Bootstrap:AdminPassword.");
        await users.AddToRoleAsync(admin, Roles.Admin);
        if (configured is not null) return null;

        var file = Path.Combine(settings.DataDirectory, PasswordFileName);
        await File.WriteAllTextAsync(file, $"{email}\n{password}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        log.LogInformation("Created the first admin {Email}; its password is in {File}", email, file);
        return password;
    }

    /// <summary>Bootstrap:ApiKey: an admin-level key with exactly this value exists (for automation and tests).</summary>
    private async Task EnsureAutomationKeyAsync(CancellationToken ct)
    {
        var key = config["Bootstrap:ApiKey"];
        if (string.IsNullOrWhiteSpace(key)) return;
        var hash = ApiKeySecrets.Hash(key);
        if (await db.ApiKeys.AnyAsync(k => k.SecretHash == hash && k.RevokedAt == null, ct)) return;
        var admin = (await users.GetUsersInRoleAsync(Roles.Admin)).OrderBy(u => u.Email).FirstOrDefault()
            ?? throw new StartupProblem("Bootstrap:ApiKey is set but no admin user exists.");
        db.ApiKeys.Add(new ApiKey(admin.Id, "Bootstrap:ApiKey", ApiKeySecrets.DisplayPrefix(key), hash));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>20 characters from a 62-symbol alphabet: about 119 bits.</summary>
    private static string GeneratePassword() =>
        RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_", 20);
}
