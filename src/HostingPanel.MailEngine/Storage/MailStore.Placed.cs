using HostingPanel.MailEngine.Quotas;

namespace HostingPanel.MailEngine.Storage;

/// <summary>One copy of a delivered message: which mailbox, which folder, with which flags (Sieve fileinto/keep).</summary>
/// <param name="CreateFolder">Create a missing folder (fileinto :create); otherwise a missing folder means INBOX.</param>
/// <param name="Body">This copy's own body (a header edited by Sieve's editheader); null: the delivery's body.</param>
public sealed record StorePlacement(long MailboxId, string Folder, MessageFlags Flags, IReadOnlyList<string> Keywords, bool CreateFolder,
    WrittenBody? Body = null);

public sealed partial class MailStore
{
    /// <summary>
    /// Delivery after Sieve: one durable body, any number of copies per mailbox, each in its folder with
    /// its flags and charged in full, all in one transaction. A missing folder without
    /// <see cref="StorePlacement.CreateFolder"/> falls back to INBOX (RFC 5228 section 4.1: the mail is kept),
    /// and two copies that end in the same folder are one. Results pair with <paramref name="placements"/>.
    /// </summary>
    internal async Task<AppendResult[]> DeliverPlacedAsync(WrittenBody body, IReadOnlyList<StorePlacement> placements, DateTimeOffset received)
    {
        var date = received.ToUnixTimeMilliseconds();
        var folderIds = new long[placements.Count];
        var created = new HashSet<long>();
        var directories = placements.Select(p => (p.Body ?? body).Directory).Prepend(body.Directory).Distinct().ToArray();
        var results = await committer.CommitAsync(directories, async (c, tx) =>
        {
            var results = new AppendResult[placements.Count];
            var done = new Dictionary<(long, long), AppendResult>();
            folderIds.AsSpan().Clear();
            created.Clear();
            // Ascending mailbox order keeps row locks in one order on PostgreSQL.
            foreach (var i in Enumerable.Range(0, placements.Count).OrderBy(i => placements[i].MailboxId))
            {
                var p = placements[i];
                var active = await c.ScalarAsync(tx, """
                    SELECT f.id FROM mailboxes m JOIN domains d ON d.id = m.domain_id JOIN folders f ON f.mailbox_id = m.id AND f.name = 'INBOX'
                    WHERE m.id = @m AND m.enabled = 1 AND m.removed_at IS NULL AND d.removed_at IS NULL
                    """ + LockFolderOf("f"), ("@m", p.MailboxId));
                if (active is not { } inboxId)
                {
                    results[i] = new AppendResult(StoreStatus.MailboxInactive);
                    continue;
                }
                var folderId = inboxId;
                var name = NormalizeName(p.Folder);
                if (name != Inbox && IsValidName(name))
                {
                    if (await FolderIdAsync(c, tx, p.MailboxId, name) is { } existing)
                    {
                        folderId = existing;
                    }
                    else if (p.CreateFolder)
                    {
                        var parts = name.Split(HierarchySeparator);
                        for (var k = 1; k <= parts.Length; k++)
                        {
                            var path = string.Join(HierarchySeparator, parts[..k]);
                            if (await FolderIdAsync(c, tx, p.MailboxId, path) is null)
                                await InsertFolderAsync(c, tx, p.MailboxId, path, null);
                        }
                        folderId = (await FolderIdAsync(c, tx, p.MailboxId, name))!.Value;
                        created.Add(p.MailboxId);
                    }
                }
                if (done.TryGetValue((p.MailboxId, folderId), out var previous))
                {
                    results[i] = previous;
                    continue;
                }
                if (folderId != inboxId && !db.IsSqlite)
                {
                    // A Sieve folder other than INBOX: its row before the mailbox row, as every writer locks them.
                    await c.ExecAsync(tx, "SELECT 1 FROM folders WHERE id = @f" + LockFolder, ("@f", folderId));
                }
                var copyBody = p.Body ?? body;
                if (!await QuotaLedger.TryReserveAsync(c, tx, p.MailboxId, copyBody.Size, 1))
                {
                    results[i] = new AppendResult(StoreStatus.OverQuota);
                    continue;
                }
                var (uidValidity, uid, modseq) = await AllocateUidsAsync(c, tx, folderId, 1);
                await InsertMessageAsync(c, tx, folderId, p.MailboxId, uid, modseq, p.Flags, JoinKeywords(p.Keywords), copyBody, date);
                results[i] = done[(p.MailboxId, folderId)] = new AppendResult(StoreStatus.Ok, uidValidity, uid) { Folder = folderId == inboxId ? Inbox : name };
                folderIds[i] = folderId;
            }
            return results;
        });
        foreach (var mailboxId in created)
            changes.Publish(new MailboxChange(mailboxId, 0, MailboxChangeKind.FoldersChanged, [], 0));
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i].Status == StoreStatus.Ok && folderIds[i] != 0)
                changes.Publish(new MailboxChange(placements[i].MailboxId, folderIds[i], MailboxChangeKind.MessagesAdded, [results[i].Uid], 0));
        }
        return results;
    }
}
