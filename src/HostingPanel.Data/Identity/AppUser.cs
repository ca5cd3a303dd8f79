using Microsoft.AspNetCore.Identity;

namespace HostingPanel.Data.Identity;

/// <summary>A portal user. Its tenant link says which part of the hierarchy it sees.</summary>
public class AppUser : IdentityUser
{
    public Guid? ResellerId { get; set; }
    public Guid? CustomerId { get; set; }
    /// <summary>Set for mailbox owners, who sign in with their address and mailbox password.</summary>
    public Guid? MailboxId { get; set; }
    public string? DisplayName { get; set; }

    /// <summary>Set when someone else reset the password: the portal lets the user do nothing but choose a new one.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Where a "forgot password" link goes instead of the login address (which may be the mailbox that is locked).</summary>
    public string? RecoveryEmail { get; set; }

    /// <summary>Staff users deleted and still in their grace period: they cannot sign in, and an admin can restore them.</summary>
    public DateTimeOffset? DeletedAt { get; set; }

    /// <summary>The portal's language for this user ("en", "ms"); null: the reseller's default, then the browser's.</summary>
    public string? Language { get; set; }

    /// <summary>The IANA time zone every time is shown in; null: the reseller's default, then UTC.</summary>
    public string? TimeZone { get; set; }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string Support = "Support";
    public const string Reseller = "Reseller";
    public const string Customer = "Customer";
    public const string MailboxUser = "MailboxUser";

    public static readonly string[] All = [Admin, Support, Reseller, Customer, MailboxUser];
}
