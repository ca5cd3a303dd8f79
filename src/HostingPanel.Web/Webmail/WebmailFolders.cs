using MailKit;
using MailKit.Net.Imap;

namespace HostingPanel.Web.Webmail;

/// <param name="Size">Bytes in the folder (RFC 8438 STATUS SIZE), 0 when the server does not say.</param>
public sealed record FolderItem(string Path, string Name, int Depth, FolderRole Role, int Unread, int Total, long Size = 0)
{
    /// <summary>INBOX and the special-use folders keep their names; mail programs look for them.</summary>
    public bool IsProtected => Role != FolderRole.Other;
}

/// <summary>Storage used and allowed, in bytes (GETQUOTAROOT reports KiB).</summary>
public sealed record QuotaInfo(long UsedBytes, long LimitBytes)
{
    public double Percent => LimitBytes <= 0 ? 0 : Math.Min(100, UsedBytes * 100.0 / LimitBytes);
}

/// <param name="RefusedSince">When the mail server began refusing new mail for the quota (null: it does not).</param>
public sealed record FolderOverview(IReadOnlyList<FolderItem> Folders, QuotaInfo? Quota, char Separator, DateTimeOffset? RefusedSince = null)
{
    public FolderItem? Find(string path) => Folders.FirstOrDefault(f => string.Equals(f.Path, path, StringComparison.Ordinal));
    public FolderItem? ByRole(FolderRole role) => Folders.FirstOrDefault(f => f.Role == role);
}

/// <summary>Folders with their counts and the quota (LIST-STATUS and GETQUOTAROOT); subfolders created, renamed, deleted.</summary>
public sealed class WebmailFolders(ImapConnectionPool pool, HostingPanel.Application.Mailboxes.IMailboxFolderSource engineFolders)
{
    private static readonly FolderRole[] Order = [FolderRole.Inbox, FolderRole.Drafts, FolderRole.Sent, FolderRole.Archive, FolderRole.Junk, FolderRole.Trash, FolderRole.Other];

    public async Task<FolderOverview> OverviewAsync(WebmailCredentials who, CancellationToken ct)
    {
        var overview = await ImapOverviewAsync(who, ct);
        // Since when new mail is refused is the engine's to know (SMTP refusals), not IMAP's.
        var refusedSince = (await engineFolders.GetOverviewAsync(who.Address, ct))?.RefusedSince;
        return overview with { RefusedSince = refusedSince };
    }

    private Task<FolderOverview> ImapOverviewAsync(WebmailCredentials who, CancellationToken ct) =>
        pool.RunAsync(who, async (client, t) =>
        {
            var ns = client.PersonalNamespaces[0];
            var items = (client.Capabilities & ImapCapabilities.StatusSize) != 0 ? StatusItems.Unread | StatusItems.Count | StatusItems.Size : StatusItems.Unread | StatusItems.Count;
            var folders = await client.GetFoldersAsync(ns, items, subscribedOnly: false, t);
            var all = folders.Where(f => !f.IsNamespace && (f.Attributes & (FolderAttributes.NonExistent | FolderAttributes.NoSelect)) == 0).ToList();
            if (!all.Any(f => string.Equals(f.FullName, ImapFolders.Inbox, StringComparison.OrdinalIgnoreCase)))
            {
                await client.Inbox.StatusAsync(items, t);
                all.Insert(0, client.Inbox);
            }
            var separator = ns.DirectorySeparator == '\0' ? '/' : ns.DirectorySeparator;
            var list = all.Select(f => new FolderItem(f.FullName, f.Name, f.FullName.Count(c => c == separator), ImapFolders.RoleOf(f), f.Unread, f.Count, (long)(f.Size ?? 0)))
                .OrderBy(i => Array.IndexOf(Order, TopRole(i, all, separator)))
                .ThenBy(i => i.Path, StringComparer.OrdinalIgnoreCase)
                .ToList();
            return new FolderOverview(list, await QuotaAsync(client, t), separator);
        }, ct);

    /// <summary>Subfolders sort under their top-level folder.</summary>
    private static FolderRole TopRole(FolderItem item, List<IMailFolder> all, char separator)
    {
        var top = item.Path.Split(separator)[0];
        var folder = all.FirstOrDefault(f => string.Equals(f.FullName, top, StringComparison.OrdinalIgnoreCase));
        return folder is null ? FolderRole.Other : ImapFolders.RoleOf(folder);
    }

    private static async Task<QuotaInfo?> QuotaAsync(ImapClient client, CancellationToken ct)
    {
        if ((client.Capabilities & ImapCapabilities.Quota) == 0) return null;
        var quota = await client.Inbox.GetQuotaAsync(ct);
        if (quota.StorageLimit is not { } limit) return null;
        return new QuotaInfo((long)(quota.CurrentStorageSize ?? 0) * 1024, (long)limit * 1024);
    }

    public Task<WebmailResult> CreateAsync(WebmailCredentials who, string? parent, string name, CancellationToken ct) =>
        Guarded(who, async (client, t) =>
        {
            var under = string.IsNullOrEmpty(parent) ? client.GetFolder(client.PersonalNamespaces[0]) : await ImapFolders.GetAsync(client, parent, t);
            await under.CreateAsync(name, isMessageFolder: true, t);
            return WebmailResult.Ok($"Folder {name} created.");
        }, ct);

    public Task<WebmailResult> RenameAsync(WebmailCredentials who, string path, string newName, CancellationToken ct) =>
        Guarded(who, async (client, t) =>
        {
            var folder = await ImapFolders.GetAsync(client, path, t);
            if (ImapFolders.RoleOf(folder) != FolderRole.Other) return WebmailResult.Error("The inbox and the special folders cannot be renamed.");
            await folder.RenameAsync(folder.ParentFolder ?? client.GetFolder(client.PersonalNamespaces[0]), newName, t);
            return WebmailResult.Ok($"Folder renamed to {newName}.");
        }, ct);

    public Task<WebmailResult> DeleteAsync(WebmailCredentials who, string path, CancellationToken ct) =>
        Guarded(who, async (client, t) =>
        {
            var folder = await ImapFolders.GetAsync(client, path, t);
            if (ImapFolders.RoleOf(folder) != FolderRole.Other) return WebmailResult.Error("The inbox and the special folders cannot be deleted.");
            if (folder.IsOpen) await folder.CloseAsync(false, t);
            await folder.DeleteAsync(t);
            return WebmailResult.Ok($"Folder {folder.Name} deleted.");
        }, ct);

    /// <summary>The server's NO (name taken, folder has children...) becomes the user's message.</summary>
    private async Task<WebmailResult> Guarded(WebmailCredentials who, Func<ImapClient, CancellationToken, Task<WebmailResult>> work, CancellationToken ct)
    {
        try { return await pool.RunAsync(who, work, ct); }
        catch (ImapCommandException e) { return WebmailResult.Error("The mail server refused: " + e.ResponseText); }
        catch (FolderNotFoundException) { return WebmailResult.Error("That folder does not exist any more."); }
    }
}

/// <summary>What a webmail action tells the user.</summary>
public sealed record WebmailResult(bool Succeeded, string Message)
{
    public static WebmailResult Ok(string message) => new(true, message);
    public static WebmailResult Error(string message) => new(false, message);
}
