using HostingPanel.Data.Model;

namespace HostingPanel.Web.Features.Provisioning;

/// <summary>What the shared _ProvisioningStatus partial shows for one list row: badge, failure reason, Retry.</summary>
public sealed record StatusCell(StatusKey Key, EntityStatus Status, string? Detail)
{
    public static StatusCell ForDomain(string name, EntityStatus status, string? detail) => new(new(StatusKey.DomainKind, name, null), status, detail);
    public static StatusCell ForMailbox(string domain, string localPart, EntityStatus status, string? detail) => new(new(StatusKey.MailboxKind, domain, localPart), status, detail);
    public static StatusCell ForAlias(string domain, string localPart, EntityStatus status, string? detail) => new(new(StatusKey.AliasKind, domain, localPart), status, detail);

    /// <summary>The status as the API and the poller spell it (lower case).</summary>
    public static string Name(EntityStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Bootstrap badge class; wwwroot/js/status.js holds the same table.</summary>
    public static string BadgeClass(EntityStatus status) => status switch
    {
        EntityStatus.Active => "text-bg-success",
        EntityStatus.Failed => "text-bg-danger",
        EntityStatus.Suspended => "text-bg-warning",
        EntityStatus.Deleting => "text-bg-secondary",
        _ => "text-bg-info",
    };
}
