using MailKit;
using MailKit.Net.Imap;

namespace HostingPanel.Web.Webmail;

public enum MessageAction { Read, Unread, Flag, Unflag, Delete, Move }

/// <summary>
/// Changes to selected messages. Delete moves to Trash, and expunges when already in Trash. A full
/// mailbox never blocks deleting: if the server refuses the move to Trash for want of room, the
/// messages are expunged at once and the user is told so. Emptying Trash needs no room either.
/// </summary>
public sealed class WebmailActions(ImapConnectionPool pool)
{
    public Task<WebmailResult> ApplyAsync(WebmailCredentials who, string folderPath, IReadOnlyList<uint> uids, MessageAction action, string? target, CancellationToken ct)
    {
        if (uids.Count == 0) return Task.FromResult(WebmailResult.Error("Select at least one message."));
        return pool.RunAsync(who, async (client, t) =>
        {
            IMailFolder folder;
            try { folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadWrite, t); }
            catch (FolderNotFoundException) { return WebmailResult.Error("That folder does not exist any more."); }
            var set = uids.Select(u => new UniqueId(u)).ToList();
            var n = set.Count == 1 ? "1 message" : $"{set.Count} messages";
            switch (action)
            {
                case MessageAction.Read: await folder.AddFlagsAsync(set, MessageFlags.Seen, true, t); return WebmailResult.Ok($"{n} marked read.");
                case MessageAction.Unread: await folder.RemoveFlagsAsync(set, MessageFlags.Seen, true, t); return WebmailResult.Ok($"{n} marked unread.");
                case MessageAction.Flag: await folder.AddFlagsAsync(set, MessageFlags.Flagged, true, t); return WebmailResult.Ok($"{n} flagged.");
                case MessageAction.Unflag: await folder.RemoveFlagsAsync(set, MessageFlags.Flagged, true, t); return WebmailResult.Ok($"{n} unflagged.");
                case MessageAction.Move:
                    if (string.IsNullOrEmpty(target)) return WebmailResult.Error("Choose a folder to move to.");
                    IMailFolder destination;
                    try { destination = await ImapFolders.GetAsync(client, target, t); }
                    catch (FolderNotFoundException) { return WebmailResult.Error("That folder does not exist any more."); }
                    try { await folder.MoveToAsync(set, destination, t); }
                    catch (ImapCommandException e) when (ImapFolders.IsOverQuota(e)) { return WebmailResult.Error($"Your mailbox is full: {n} could not be moved to {destination.Name}."); }
                    return WebmailResult.Ok($"{n} moved to {destination.Name}.");
                default:
                    return await DeleteAsync(client, folder, set, n, t);
            }
        }, ct);
    }

    private static async Task<WebmailResult> DeleteAsync(ImapClient client, IMailFolder folder, IList<UniqueId> set, string n, CancellationToken ct)
    {
        var trash = ImapFolders.Special(client, SpecialFolder.Trash);
        if (trash is not null && trash.FullName != folder.FullName)
        {
            try
            {
                await folder.MoveToAsync(set, trash, ct);
                return WebmailResult.Ok($"{n} moved to Trash.");
            }
            catch (ImapCommandException e) when (ImapFolders.IsOverQuota(e))
            {
                await ExpungeAsync(folder, set, ct);
                return WebmailResult.Ok($"Your mailbox is full, so {n} deleted at once instead of moved to Trash.");
            }
        }
        await ExpungeAsync(folder, set, ct);
        return WebmailResult.Ok($"{n} deleted for good.");
    }

    /// <summary>\Deleted then UID EXPUNGE of exactly these messages (UIDPLUS), never others marked by another client.</summary>
    private static async Task ExpungeAsync(IMailFolder folder, IList<UniqueId> set, CancellationToken ct)
    {
        await folder.AddFlagsAsync(set, MessageFlags.Deleted, true, ct);
        await folder.ExpungeAsync(set, ct);
    }

    public Task<WebmailResult> EmptyTrashAsync(WebmailCredentials who, CancellationToken ct) =>
        pool.RunAsync(who, async (client, t) =>
        {
            var trash = ImapFolders.Special(client, SpecialFolder.Trash);
            if (trash is null) return WebmailResult.Error("This mailbox has no Trash folder.");
            await trash.OpenAsync(FolderAccess.ReadWrite, t);
            var all = await trash.SearchAsync(MailKit.Search.SearchQuery.All, t);
            if (all.Count == 0) return WebmailResult.Ok("Trash is already empty.");
            await ExpungeAsync(trash, all, t);
            return WebmailResult.Ok($"Trash emptied ({all.Count} messages deleted).");
        }, ct);
}
