using HostingPanel.Data.Identity;

namespace HostingPanel.Web.Features.Shared;

/// <summary>Roles as people say them: the stored names (MailboxUser) are identifiers, not words.</summary>
public static class RoleNames
{
    public static string Of(string? role) => role switch
    {
        Roles.Admin => "Administrator",
        Roles.Support => "Support staff",
        Roles.Reseller => "Reseller",
        Roles.Customer => "Customer",
        Roles.MailboxUser => "Mailbox owner",
        _ => role ?? "",
    };
}
