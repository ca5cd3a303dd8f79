namespace HostingPanel.Web.Features.Transfer;

/// <summary>The download and import card of a mailbox page (the owner's, or staff's view of one mailbox).</summary>
public sealed record MailboxTransferPanel(string Title, string ExportUrl, string ImportUrl, long UsedBytes, string IdPrefix = "")
{
    public static MailboxTransferPanel ForOwner(long usedBytes) => new("Download or import your mail", "/my/export", "/my/import", usedBytes);

    public static MailboxTransferPanel ForMailbox(string domain, string localPart, long usedBytes) =>
        new("Download or import mail", $"/domains/{domain}/mailboxes/{localPart}/export", $"/domains/{domain}/mailboxes/{localPart}/import", usedBytes, "staff-");
}
