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
