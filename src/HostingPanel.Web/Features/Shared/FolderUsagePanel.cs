using HostingPanel.Application.Mailboxes;

namespace HostingPanel.Web.Features.Shared;

/// <summary>
/// What the folder-usage card shows and where its forms go: the owner's page and the staff/customer
/// mailbox page share it. <see cref="WebmailLinks"/>: each folder opens in webmail sorted by size (owner only).
/// </summary>
public sealed record FolderUsagePanel(MailboxFolderOverview Overview, string RetentionAction, string LargestUrl, bool WebmailLinks);

/// <summary>The retention form of one folder row (empty days: the plan's default for Trash and Junk).</summary>
public sealed class FolderRetentionForm
{
    public string? Folder { get; set; }
    public int? RetentionDays { get; set; }
}
