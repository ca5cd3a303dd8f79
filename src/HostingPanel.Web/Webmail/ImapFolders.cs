using MailKit;
using MailKit.Net.Imap;

namespace HostingPanel.Web.Webmail;

/// <summary>Finding and opening folders on a pooled connection, reusing the selection when it already fits.</summary>
public static class ImapFolders
{
    public const string Inbox = "INBOX";

    public static async Task<IMailFolder> GetAsync(ImapClient client, string path, CancellationToken ct) =>
        string.Equals(path, Inbox, StringComparison.OrdinalIgnoreCase) ? client.Inbox : await client.GetFolderAsync(path, ct);

    public static async Task<IMailFolder> OpenAsync(ImapClient client, string path, FolderAccess access, CancellationToken ct)
    {
        var folder = await GetAsync(client, path, ct);
        if (!folder.IsOpen || (access == FolderAccess.ReadWrite && folder.Access != FolderAccess.ReadWrite))
            await folder.OpenAsync(access, ct);
        else
            await client.NoOpAsync(ct); // still selected from an earlier request: learn of new and expunged mail first
        return folder;
    }

    /// <summary>The folder with a special use (RFC 6154), or null when the mailbox has none.</summary>
    public static IMailFolder? Special(ImapClient client, SpecialFolder use) =>
        (client.Capabilities & ImapCapabilities.SpecialUse) != 0 ? client.GetFolder(use) : null;

    public static FolderRole RoleOf(IMailFolder folder)
    {
        if (string.Equals(folder.FullName, Inbox, StringComparison.OrdinalIgnoreCase)) return FolderRole.Inbox;
        var a = folder.Attributes;
        return (a & FolderAttributes.Drafts) != 0 ? FolderRole.Drafts
            : (a & FolderAttributes.Sent) != 0 ? FolderRole.Sent
            : (a & FolderAttributes.Trash) != 0 ? FolderRole.Trash
            : (a & FolderAttributes.Junk) != 0 ? FolderRole.Junk
            : (a & FolderAttributes.Archive) != 0 ? FolderRole.Archive
            : FolderRole.Other;
    }

    /// <summary>An IMAP NO for a full mailbox (RFC 9208 OVERQUOTA; older servers say it in words).</summary>
    public static bool IsOverQuota(ImapCommandException e) =>
        e.ResponseText.Contains("OVERQUOTA", StringComparison.OrdinalIgnoreCase)
        || e.ResponseText.Contains("quota", StringComparison.OrdinalIgnoreCase);
}

public enum FolderRole { Inbox, Drafts, Sent, Trash, Junk, Archive, Other }
