using System.Data.Common;
using HostingPanel.MailEngine.Quotas;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// The message store the IMAP, POP3 and SMTP servers build on: folders, messages, flags, quota.
/// Every change commits its metadata after the body file is durable, then publishes a
/// <see cref="MailboxChange"/> on <see cref="Changes"/>. Folder ids are stable for a folder's
/// life (rename keeps the id); UIDVALIDITY is the folder's id, so a deleted and recreated folder
/// gets a new one.
/// </summary>
public sealed partial class MailStore(EngineDatabase db, BodyStore bodies, GroupCommitter committer, MailboxChangeNotifier changes, TimeProvider time)
{
    public const string Inbox = "INBOX";
    public const char HierarchySeparator = '/';
    public const string TrashSpecialUse = @"\Trash";
    public const string JunkSpecialUse = @"\Junk";

    /// <summary>Folders every new mailbox gets (docs/contract.md section 5), with RFC 6154 attributes.</summary>
    public static readonly IReadOnlyList<(string Name, string? SpecialUse)> DefaultFolders =
    [
        (Inbox, null), ("Sent", @"\Sent"), ("Drafts", @"\Drafts"), ("Trash", @"\Trash"), ("Junk", @"\Junk"), ("Archive", @"\Archive"),
    ];

    private const string MessageColumns =
        "id, uid, modseq, flags, keywords, size, internal_date, body, envelope, body_structure, body_simple, pop3_retrieved_at, header_size";
    private const string MessageColumnsLight =
        "id, uid, modseq, flags, keywords, size, internal_date, body, NULL, NULL, NULL, pop3_retrieved_at, header_size";

    public MailboxChangeNotifier Changes => changes;
    public BodyStore Bodies => bodies;

    /// <summary>
    /// The lock order of every writer on PostgreSQL: the folder row first (this suffix on the writer's
    /// first read of it), then the mailbox row (quota). One order means concurrent writers never wait on
    /// each other in a cycle (a deadlock PostgreSQL would break by failing one of them), and a writer that
    /// reads rows before changing them (STORE, EXPUNGE) reads them after any other writer of the folder
    /// has committed. SQLite has one writer at a time and no such clause.
    /// </summary>
    private string LockFolder => db.IsSqlite ? "" : " FOR UPDATE";

    private string LockFolderOf(string alias) => db.IsSqlite ? "" : " FOR UPDATE OF " + alias;

    // ---------------------------------------------------------------- folders

    public Task<IReadOnlyList<FolderInfo>> ListFoldersAsync(long mailboxId, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<FolderInfo>>(async c => await c.QueryAsync(null,
            "SELECT id, mailbox_id, name, special_use, CASE WHEN EXISTS (SELECT 1 FROM subscriptions s WHERE s.mailbox_id = folders.mailbox_id AND s.name = folders.name) THEN 1 ELSE 0 END, uid_validity, uid_next, highest_modseq, recent_uid, keywords FROM folders WHERE mailbox_id = @m ORDER BY name",
            ReadFolder, ("@m", mailboxId)), ct);

    public async Task<FolderInfo?> GetFolderAsync(long mailboxId, string name, CancellationToken ct = default)
    {
        name = NormalizeName(name);
        var list = await db.ReadAsync(c => c.QueryAsync(null,
            "SELECT id, mailbox_id, name, special_use, CASE WHEN EXISTS (SELECT 1 FROM subscriptions s WHERE s.mailbox_id = folders.mailbox_id AND s.name = folders.name) THEN 1 ELSE 0 END, uid_validity, uid_next, highest_modseq, recent_uid, keywords FROM folders WHERE mailbox_id = @m AND name = @n",
            ReadFolder, ("@m", mailboxId), ("@n", name)), ct);
        return list.FirstOrDefault();
    }

    public async Task<FolderInfo?> GetFolderByIdAsync(long folderId, CancellationToken ct = default)
    {
        var list = await db.ReadAsync(c => c.QueryAsync(null,
            "SELECT id, mailbox_id, name, special_use, CASE WHEN EXISTS (SELECT 1 FROM subscriptions s WHERE s.mailbox_id = folders.mailbox_id AND s.name = folders.name) THEN 1 ELSE 0 END, uid_validity, uid_next, highest_modseq, recent_uid, keywords FROM folders WHERE id = @f",
            ReadFolder, ("@f", folderId)), ct);
        return list.FirstOrDefault();
    }

    /// <summary>
    /// STATUS from the folder row alone: the counts are kept at write time (message count and size by the
    /// usage triggers, unseen and \Deleted by the flag triggers), so the cost does not grow with the folder;
    /// \Recent counts only the messages above the folder's claim, through the (folder_id, uid) index.
    /// </summary>
    public Task<FolderStatus?> GetFolderStatusAsync(long folderId, CancellationToken ct = default) =>
        db.ReadAsync(async c =>
        {
            var rows = await c.QueryAsync(null, """
                SELECT uid_next, uid_validity, highest_modseq, message_count, unseen_count, deleted_count, total_bytes,
                       (SELECT COUNT(*) FROM messages m WHERE m.folder_id = folders.id AND m.uid >= folders.recent_uid)
                FROM folders WHERE id = @f
                """, r => new FolderStatus(r.Long(3), r.Long(4), r.Long(5), r.Long(6), r.Long(0), r.Long(1), r.Long(2), r.Long(7)), ("@f", folderId));
            return rows.Count == 0 ? null : rows[0];
        }, ct);

    /// <summary>Creates a folder and any missing parents (RFC 9051 CREATE).</summary>
    public async Task<StoreStatus> CreateFolderAsync(long mailboxId, string name, string? specialUse = null, CancellationToken ct = default)
    {
        name = NormalizeName(name);
        if (!IsValidName(name))
            return StoreStatus.Invalid;
        var status = await db.WriteAsync(async (c, tx) =>
        {
            if (await FolderIdAsync(c, tx, mailboxId, name) is not null)
                return StoreStatus.AlreadyExists;
            var parts = name.Split(HierarchySeparator);
            for (var i = 1; i <= parts.Length; i++)
            {
                var path = string.Join(HierarchySeparator, parts[..i]);
                if (await FolderIdAsync(c, tx, mailboxId, path) is null)
                    await InsertFolderAsync(c, tx, mailboxId, path, i == parts.Length ? specialUse : null);
            }
            return StoreStatus.Ok;
        }, ct);
        if (status == StoreStatus.Ok)
            changes.Publish(new MailboxChange(mailboxId, 0, MailboxChangeKind.FoldersChanged, [], 0));
        return status;
    }

    /// <summary>Renames a folder and its children, keeping ids, UIDs and UIDVALIDITY.</summary>
    public async Task<StoreStatus> RenameFolderAsync(long mailboxId, string oldName, string newName, CancellationToken ct = default)
    {
        oldName = NormalizeName(oldName);
        newName = NormalizeName(newName);
        // Note: RFC 9051 lets INBOX be renamed by moving its messages; we refuse it, as several servers do.
        if (!IsValidName(newName) || oldName == Inbox || newName == Inbox)
            return StoreStatus.Invalid;
        var status = await db.WriteAsync(async (c, tx) =>
        {
            if (await FolderIdAsync(c, tx, mailboxId, oldName) is null)
                return StoreStatus.NotFound;
            if (await FolderIdAsync(c, tx, mailboxId, newName) is not null || newName.StartsWith(oldName + HierarchySeparator, StringComparison.Ordinal))
                return StoreStatus.AlreadyExists;
            var children = await c.QueryAsync(tx, "SELECT id, name FROM folders WHERE mailbox_id = @m AND (name = @n OR substr(name, 1, @len) = @prefix)",
                r => (r.Long(0), r.GetString(1)), ("@m", mailboxId), ("@n", oldName), ("@len", oldName.Length + 1), ("@prefix", oldName + HierarchySeparator));
            foreach (var (id, childName) in children)
            {
                var renamed = newName + childName[oldName.Length..];
                await c.ExecAsync(tx, "UPDATE folders SET name = @n WHERE id = @id", ("@n", renamed), ("@id", id));
                // A renamed folder stays subscribed under its new name, as in Dovecot.
                await c.ExecAsync(tx, """
                    UPDATE subscriptions SET name = @n WHERE mailbox_id = @m AND name = @o
                    AND NOT EXISTS (SELECT 1 FROM subscriptions t WHERE t.mailbox_id = @m AND t.name = @n)
                    """, ("@n", renamed), ("@m", mailboxId), ("@o", childName));
            }
            // Parents of the new name must exist, as after CREATE.
            var parts = newName.Split(HierarchySeparator);
            for (var i = 1; i < parts.Length; i++)
            {
                var path = string.Join(HierarchySeparator, parts[..i]);
                if (await FolderIdAsync(c, tx, mailboxId, path) is null)
                    await InsertFolderAsync(c, tx, mailboxId, path, null);
            }
            return StoreStatus.Ok;
        }, ct);
        if (status == StoreStatus.Ok)
            changes.Publish(new MailboxChange(mailboxId, 0, MailboxChangeKind.FoldersChanged, [], 0));
        return status;
    }

    /// <summary>Deletes a folder without children and its messages, giving their bytes back to the quota.</summary>
    public async Task<StoreStatus> DeleteFolderAsync(long mailboxId, string name, CancellationToken ct = default)
    {
        name = NormalizeName(name);
        if (name == Inbox)
            return StoreStatus.Invalid;
        List<string> removedBodies = [];
        long folderId = 0;
        var status = await db.WriteAsync(async (c, tx) =>
        {
            removedBodies.Clear();
            var id = await c.ScalarAsync(tx, "SELECT id FROM folders WHERE mailbox_id = @m AND name = @n" + LockFolder, ("@m", mailboxId), ("@n", name));
            if (id is null)
                return StoreStatus.NotFound;
            folderId = id.Value;
            var children = await c.ScalarAsync(tx, "SELECT COUNT(*) FROM folders WHERE mailbox_id = @m AND substr(name, 1, @len) = @prefix",
                ("@m", mailboxId), ("@len", name.Length + 1), ("@prefix", name + HierarchySeparator));
            if (children > 0)
                return StoreStatus.HasChildren;
            var rows = await c.QueryAsync(tx, "SELECT size, body FROM messages WHERE folder_id = @f", r => (r.Long(0), r.GetString(1)), ("@f", folderId));
            await QuotaLedger.ReleaseAsync(c, tx, mailboxId, rows.Sum(r => r.Item1), rows.Count);
            await c.ExecAsync(tx, "DELETE FROM messages WHERE folder_id = @f", ("@f", folderId));
            await c.ExecAsync(tx, "DELETE FROM expunged WHERE folder_id = @f", ("@f", folderId));
            await c.ExecAsync(tx, "DELETE FROM folders WHERE id = @f", ("@f", folderId));
            removedBodies.AddRange(rows.Select(r => r.Item2).Distinct());
            return StoreStatus.Ok;
        }, ct);
        if (status == StoreStatus.Ok)
        {
            await DeleteUnreferencedBodiesAsync(removedBodies, ct);
            changes.Publish(new MailboxChange(mailboxId, folderId, MailboxChangeKind.FoldersChanged, [], 0));
        }
        return status;
    }

    /// <summary>
    /// Claims the messages below <paramref name="upTo"/> that no session has seen as \Recent yet, for the
    /// calling session alone (RFC 3501 2.3.2). Returns the first UID claimed: the claim is
    /// [result, <paramref name="upTo"/>), empty when the result is <paramref name="upTo"/>. A compare-and-set on
    /// the folder row, so two sessions (or two engine nodes) never claim the same message. The commit does not wait
    /// for the disk: after a crash a message may be \Recent once more to the next session, which RFC 3501 2.3.2
    /// allows (a server may lose track), whereas an fsync here made every APPEND into the selected folder pay two
    /// durable commits instead of one (issue 17 item 4).
    /// </summary>
    public Task<long> ClaimRecentAsync(long folderId, long upTo, CancellationToken ct = default) =>
        db.IsSqlite ? ClaimRecentInTransactionAsync(folderId, upTo, ct) : ClaimRecentByStatementAsync(folderId, upTo, ct);

    /// <summary>
    /// PostgreSQL: the compare-and-set as one statement in autocommit, one round trip instead of BEGIN,
    /// SELECT, UPDATE and COMMIT (SQLite cannot return a FROM table's column, so it keeps the transaction).
    /// </summary>
    private Task<long> ClaimRecentByStatementAsync(long folderId, long upTo, CancellationToken ct) =>
        db.ReadAsync(async c =>
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                // set_config(..., true) is SET LOCAL inside the statement's own transaction: its commit does not wait
                // for the WAL flush (see EngineDatabase.WriteForgettableAsync for why a claim may be forgotten).
                var claimed = await c.ScalarAsync(null, """
                    UPDATE folders f SET recent_uid = @u
                    FROM (SELECT recent_uid AS old FROM folders WHERE id = @f) o, (SELECT set_config('synchronous_commit', 'off', true)) lazy
                    WHERE f.id = @f AND f.recent_uid = o.old AND o.old < @u RETURNING o.old
                    """, ("@u", upTo), ("@f", folderId));
                if (claimed is { } from)
                    return from;
                // Nothing to claim, or another session's claim came between the read and the update: look again.
                var current = await c.ScalarAsync(null, "SELECT recent_uid FROM folders WHERE id = @f", ("@f", folderId));
                if (current is null || current >= upTo)
                    return upTo;
            }
            return upTo;
        }, ct);

    private Task<long> ClaimRecentInTransactionAsync(long folderId, long upTo, CancellationToken ct) =>
        db.WriteForgettableAsync(async (c, tx) =>
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var rows = await c.QueryAsync(tx, "SELECT recent_uid FROM folders WHERE id = @f", r => r.Long(0), ("@f", folderId));
                if (rows.Count == 0 || rows[0] >= upTo)
                    return upTo;
                if (await c.ExecAsync(tx, "UPDATE folders SET recent_uid = @u WHERE id = @f AND recent_uid = @o",
                        ("@u", upTo), ("@f", folderId), ("@o", rows[0])) == 1)
                    return rows[0];
            }
            return upTo;
        }, ct);

    /// <summary>
    /// SUBSCRIBE and UNSUBSCRIBE: subscriptions are names, kept apart from the folders (RFC 9051 6.3.7-8):
    /// a name may be subscribed before it exists and stays subscribed after DELETE. Both are idempotent:
    /// unsubscribing a name that is not subscribed is OK, as in Dovecot (clients such as MailKit throw on NO).
    /// </summary>
    public async Task<StoreStatus> SetSubscribedAsync(long mailboxId, string name, bool subscribed, CancellationToken ct = default)
    {
        name = NormalizeName(name);
        if (subscribed && !IsValidName(name))
            return StoreStatus.Invalid;
        await db.WriteAsync((c, tx) => subscribed
            ? c.ExecAsync(tx, "INSERT INTO subscriptions (mailbox_id, name) VALUES (@m, @n) ON CONFLICT DO NOTHING", ("@m", mailboxId), ("@n", name))
            : c.ExecAsync(tx, "DELETE FROM subscriptions WHERE mailbox_id = @m AND name = @n", ("@m", mailboxId), ("@n", name)), ct);
        return StoreStatus.Ok;
    }

    /// <summary>The subscribed names (LSUB, LIST (SUBSCRIBED)), existing or not.</summary>
    public Task<List<string>> ListSubscriptionsAsync(long mailboxId, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QueryAsync(null, "SELECT name FROM subscriptions WHERE mailbox_id = @m ORDER BY name", r => r.GetString(0), ("@m", mailboxId)), ct);

    // ---------------------------------------------------------------- messages

    /// <summary>All messages of a folder in UID order; summaries only when asked (they are the bulk of the row).</summary>
    public Task<List<StoredMessage>> ListMessagesAsync(long folderId, bool includeSummaries = false, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QueryAsync(null,
            $"SELECT {(includeSummaries ? MessageColumns : MessageColumnsLight)} FROM messages WHERE folder_id = @f ORDER BY uid",
            ReadMessage, ("@f", folderId)), ct);

    /// <summary>Messages whose MODSEQ is above <paramref name="modSeq"/> (RFC 7162 CHANGEDSINCE).</summary>
    public Task<List<StoredMessage>> ListChangedSinceAsync(long folderId, long modSeq, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QueryAsync(null,
            $"SELECT {MessageColumnsLight} FROM messages WHERE folder_id = @f AND modseq > @s ORDER BY uid",
            ReadMessage, ("@f", folderId), ("@s", modSeq)), ct);

    /// <summary>UIDs expunged after <paramref name="modSeq"/> (RFC 7162 VANISHED).</summary>
    public Task<List<long>> ListExpungedSinceAsync(long folderId, long modSeq, CancellationToken ct = default) =>
        db.ReadAsync(c => c.QueryAsync(null, "SELECT uid FROM expunged WHERE folder_id = @f AND modseq > @s ORDER BY uid",
            r => r.Long(0), ("@f", folderId), ("@s", modSeq)), ct);

    /// <summary>
    /// Both of the above in one query, one round trip and one consistent view: what a session patches its
    /// snapshot with after another writer's change (expunged rows come back with id -1).
    /// </summary>
    public async Task<(List<StoredMessage> Changed, List<long> Expunged)> ListChangesSinceAsync(long folderId, long modSeq, CancellationToken ct = default)
    {
        var rows = await db.ReadAsync(c => c.QueryAsync(null, $"""
            SELECT {MessageColumnsLight} FROM messages WHERE folder_id = @f AND modseq > @s
            UNION ALL
            SELECT -1, uid, modseq, 0, '', 0, 0, '', NULL, NULL, NULL, NULL, 0 FROM expunged WHERE folder_id = @f AND modseq > @s
            """, ReadMessage, ("@f", folderId), ("@s", modSeq)), ct);
        var changed = new List<StoredMessage>(rows.Count);
        var expunged = new List<long>();
        foreach (var row in rows)
        {
            if (row.Id < 0)
                expunged.Add(row.Uid);
            else
                changed.Add(row);
        }
        changed.Sort((x, y) => x.Uid.CompareTo(y.Uid));
        expunged.Sort();
        return (changed, expunged);
    }

    public async Task<StoredMessage?> GetMessageAsync(long folderId, long uid, CancellationToken ct = default)
    {
        var list = await db.ReadAsync(c => c.QueryAsync(null, $"SELECT {MessageColumns} FROM messages WHERE folder_id = @f AND uid = @u",
            ReadMessage, ("@f", folderId), ("@u", uid)), ct);
        return list.FirstOrDefault();
    }

    /// <summary>
    /// The messages of a folder with these UIDs (UIDs not there are left out), in UID order, in one query
    /// per 500 UIDs instead of one per message: FETCH and SEARCH over a message set.
    /// </summary>
    public async Task<List<StoredMessage>> GetMessagesAsync(long folderId, IReadOnlyList<long> uids, bool includeSummaries = true, CancellationToken ct = default)
    {
        const int chunk = 500;
        var result = new List<StoredMessage>(uids.Count);
        var sorted = uids.Distinct().Order().ToList();
        for (var start = 0; start < sorted.Count; start += chunk)
        {
            var part = sorted.GetRange(start, Math.Min(chunk, sorted.Count - start));
            var columns = includeSummaries ? MessageColumns : MessageColumnsLight;
            if (part[^1] - part[0] < 2L * part.Count)
            {
                // Dense (a whole folder, a range): one range scan on the (folder_id, uid) index, gaps filtered here.
                var wanted = part.ToHashSet();
                var rows = await db.ReadAsync(c => c.QueryAsync(null, $"SELECT {columns} FROM messages WHERE folder_id = @f AND uid BETWEEN @lo AND @hi ORDER BY uid",
                    ReadMessage, ("@f", folderId), ("@lo", part[0]), ("@hi", part[^1])), ct);
                result.AddRange(rows.Where(r => wanted.Contains(r.Uid)));
                continue;
            }
            var parameters = new (string, object?)[part.Count + 1];
            parameters[0] = ("@f", folderId);
            var names = new string[part.Count];
            for (var i = 0; i < part.Count; i++)
            {
                names[i] = "@u" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                parameters[i + 1] = (names[i], part[i]);
            }
            var sql = $"SELECT {columns} FROM messages WHERE folder_id = @f AND uid IN ({string.Join(", ", names)}) ORDER BY uid";
            result.AddRange(await db.ReadAsync(c => c.QueryAsync(null, sql, ReadMessage, parameters), ct));
        }
        return result;
    }

    /// <summary>Opens the body for reading. Throws <see cref="FileNotFoundException"/> if the message was expunged meanwhile.</summary>
    public Stream OpenBody(StoredMessage message) => bodies.Open(message.BodyPath);

    /// <summary>
    /// IMAP APPEND: stores the message in the folder if the mailbox has room. The quota reservation,
    /// UID allocation and message row commit together, after the body file is durable.
    /// </summary>
    public async Task<AppendResult> AppendAsync(long mailboxId, long folderId, Stream message, MessageFlags flags = MessageFlags.None,
        IReadOnlyCollection<string>? keywords = null, DateTimeOffset? internalDate = null, long maxSize = 0, object? origin = null, CancellationToken ct = default)
    {
        WrittenBody body;
        try
        {
            body = await bodies.WriteAsync(message, maxSize, ct);
        }
        catch (MessageTooLargeException)
        {
            return new AppendResult(StoreStatus.TooLarge);
        }
        var date = (internalDate ?? time.GetUtcNow()).ToUnixTimeMilliseconds();
        var keywordText = JoinKeywords(keywords);
        AppendResult result;
        try
        {
            result = await committer.CommitAsync([body.Directory], async (c, tx) =>
            {
                var folderMailbox = await c.ScalarAsync(tx, "SELECT mailbox_id FROM folders WHERE id = @f" + LockFolder, ("@f", folderId));
                if (folderMailbox != mailboxId)
                    return new AppendResult(StoreStatus.NotFound);
                if (!await QuotaLedger.TryReserveAsync(c, tx, mailboxId, body.Size, 1))
                    return new AppendResult(StoreStatus.OverQuota);
                var (uidValidity, uid, modseq) = await AllocateUidsAsync(c, tx, folderId, 1);
                await InsertMessageAsync(c, tx, folderId, mailboxId, uid, modseq, flags, keywordText, body, date);
                return new AppendResult(StoreStatus.Ok, uidValidity, uid);
            });
        }
        catch
        {
            bodies.Delete(body.RelativePath);
            throw;
        }
        if (result.Status != StoreStatus.Ok)
            bodies.Delete(body.RelativePath);
        else
            changes.Publish(new MailboxChange(mailboxId, folderId, MailboxChangeKind.MessagesAdded, [result.Uid], 0, origin));
        return result;
    }

    /// <summary>
    /// Delivers one durable body into INBOX of several mailboxes; each copy is charged in full to its
    /// mailbox. Used by <see cref="Delivery.MailDelivery"/>; results pair with <paramref name="mailboxIds"/>.
    /// </summary>
    /// <param name="overdraftBytes">Room past the quota: <see cref="QuotaOverdraft.NoticeBytes"/> for the product's own notices, else 0.</param>
    internal async Task<AppendResult[]> DeliverAsync(WrittenBody body, IReadOnlyList<long> mailboxIds, DateTimeOffset received, long overdraftBytes = 0)
    {
        var date = received.ToUnixTimeMilliseconds();
        // Filled inside the transaction for the notifications after it.
        var inboxIds = new long[mailboxIds.Count];
        var results = await committer.CommitAsync([body.Directory], async (c, tx) =>
        {
            var results = new AppendResult[mailboxIds.Count];
            // Ascending mailbox order keeps row locks in one order on PostgreSQL.
            foreach (var i in Enumerable.Range(0, mailboxIds.Count).OrderBy(i => mailboxIds[i]))
            {
                var mailboxId = mailboxIds[i];
                var active = await c.ScalarAsync(tx, """
                    SELECT f.id FROM mailboxes m JOIN domains d ON d.id = m.domain_id JOIN folders f ON f.mailbox_id = m.id AND f.name = 'INBOX'
                    WHERE m.id = @m AND m.enabled = 1 AND m.removed_at IS NULL AND d.removed_at IS NULL
                    """ + LockFolderOf("f"), ("@m", mailboxId));
                if (active is not { } inboxId)
                {
                    results[i] = new AppendResult(StoreStatus.MailboxInactive);
                    continue;
                }
                if (!await QuotaLedger.TryReserveAsync(c, tx, mailboxId, body.Size, 1, overdraftBytes))
                {
                    // Kept for the owner's page and webmail: "new mail is refused since ...".
                    await QuotaLedger.RecordRefusalAsync(c, tx, mailboxId, date);
                    results[i] = new AppendResult(StoreStatus.OverQuota);
                    continue;
                }
                var (uidValidity, uid, modseq) = await AllocateUidsAsync(c, tx, inboxId, 1);
                await InsertMessageAsync(c, tx, inboxId, mailboxId, uid, modseq, MessageFlags.None, "", body, date);
                results[i] = new AppendResult(StoreStatus.Ok, uidValidity, uid);
                inboxIds[i] = inboxId;
            }
            return results;
        });
        for (var i = 0; i < results.Length; i++)
        {
            if (results[i].Status == StoreStatus.Ok)
                changes.Publish(new MailboxChange(mailboxIds[i], inboxIds[i], MailboxChangeKind.MessagesAdded, [results[i].Uid], 0));
        }
        return results;
    }

    /// <summary>IMAP COPY (and MOVE when <paramref name="move"/>): all or nothing, each copy charged to the quota in full.</summary>
    public async Task<CopyResult> CopyAsync(long mailboxId, long sourceFolderId, IReadOnlyList<long> uids, long targetFolderId, bool move = false,
        object? origin = null, CancellationToken ct = default)
    {
        long targetValidity = 0;
        var result = await db.WriteAsync(async (c, tx) =>
        {
            var owners = await c.QueryAsync(tx, "SELECT id, mailbox_id, special_use FROM folders WHERE id IN (@s, @t) ORDER BY id" + LockFolder, r => (r.Long(0), r.Long(1), r.StringOrNull(2)),
                ("@s", sourceFolderId), ("@t", targetFolderId));
            if (owners.Count != (sourceFolderId == targetFolderId ? 1 : 2) || owners.Any(o => o.Item2 != mailboxId))
                return new CopyResult(StoreStatus.NotFound);
            // 500 UIDs a query (numbers the session resolved, written as literals), not one query per message.
            var rows = new List<StoredMessage>();
            foreach (var part in uids.Distinct().Order().Chunk(500))
            {
                rows.AddRange(await c.QueryAsync(tx, $"SELECT {MessageColumns} FROM messages WHERE folder_id = @f AND uid IN ({NumberList(part)}) ORDER BY uid", ReadMessage,
                    ("@f", sourceFolderId)));
            }
            if (rows.Count == 0)
                return new CopyResult(StoreStatus.Ok, 0, [], []);
            // A move stays inside one mailbox, so its usage does not change; a copy is charged in full. A copy into
            // Trash is how many mail programs delete (copy, flag \Deleted, expunge): it may overdraw a full
            // mailbox a little, which the expunge that follows or the next retention run gives back.
            var intoTrash = owners.Any(o => o.Item1 == targetFolderId && o.Item3 == TrashSpecialUse);
            var overdraft = intoTrash ? QuotaOverdraft.TrashBytes(await c.ScalarAsync(tx, "SELECT quota_bytes FROM mailboxes WHERE id = @m", ("@m", mailboxId)) ?? 0) : 0;
            if (!move && !await QuotaLedger.TryReserveAsync(c, tx, mailboxId, rows.Sum(r => r.Size), rows.Count, overdraft))
                return new CopyResult(StoreStatus.OverQuota);
            var (validity, firstUid, modseq) = await AllocateUidsAsync(c, tx, targetFolderId, rows.Count);
            targetValidity = validity;
            var savedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
            var newUids = new List<long>();
            for (var i = 0; i < rows.Count; i++)
            {
                var m = rows[i];
                await c.ExecAsync(tx, """
                    INSERT INTO messages (folder_id, mailbox_id, uid, modseq, flags, keywords, size, internal_date, body, envelope, body_structure, body_simple, pop3_retrieved_at, header_size, saved_at)
                    SELECT @t, mailbox_id, @u, @ms, flags, keywords, size, internal_date, body, envelope, body_structure, body_simple, NULL, header_size, @now FROM messages WHERE id = @id
                    """, ("@t", targetFolderId), ("@u", firstUid + i), ("@ms", modseq), ("@id", m.Id), ("@now", savedAt));
                newUids.Add(firstUid + i);
            }
            await FolderKeywords.RememberAsync(c, tx, targetFolderId, rows.SelectMany(r => r.Keywords));
            if (move)
                await RemoveMessagesAsync(c, tx, sourceFolderId, rows, releaseQuota: false, mailboxId);
            return new CopyResult(StoreStatus.Ok, validity, rows.Select(r => r.Uid).ToList(), newUids)
            {
                SourceSpecialUse = owners.First(o => o.Item1 == sourceFolderId).Item3,
                TargetSpecialUse = owners.First(o => o.Item1 == targetFolderId).Item3,
            };
        }, ct);
        if (result.Status == StoreStatus.Ok && result.DestinationUids is { Count: > 0 })
        {
            changes.Publish(new MailboxChange(mailboxId, targetFolderId, MailboxChangeKind.MessagesAdded, result.DestinationUids, 0, origin));
            if (move)
                changes.Publish(new MailboxChange(mailboxId, sourceFolderId, MailboxChangeKind.MessagesExpunged, result.SourceUids!, 0, origin));
        }
        return result;
    }

    /// <summary>IMAP STORE: changes flags and keywords, giving each changed message a new MODSEQ (RFC 7162).</summary>
    public async Task<StoreFlagsResult> StoreFlagsAsync(long folderId, IReadOnlyList<long> uids, FlagChange change, MessageFlags flags,
        IReadOnlyCollection<string>? keywords = null, long? unchangedSince = null, object? origin = null, CancellationToken ct = default)
    {
        long mailboxId = 0;
        var result = await db.WriteAsync(async (c, tx) =>
        {
            mailboxId = await c.ScalarAsync(tx, "SELECT mailbox_id FROM folders WHERE id = @f" + LockFolder, ("@f", folderId)) ?? 0;
            var updated = new List<FlagUpdate>();
            var failed = new List<long>();
            long newModSeq = 0;
            // Rows read 500 UIDs a query and written one UPDATE per outcome per 500 rows, so "mark all as
            // read" on a large folder holds the writer for a few statements, not two per message.
            var changedRows = new List<(long Id, FlagUpdate Update)>();
            foreach (var row in await FlagRowsAsync(c, tx, folderId, uids))
            {
                if (unchangedSince is { } since && row.ModSeq > since)
                {
                    failed.Add(row.Uid);
                    continue;
                }
                var (newFlags, newKeywords) = Apply(row.Flags, row.Keywords, change, flags, keywords ?? []);
                if (newFlags == row.Flags && newKeywords.SequenceEqual(row.Keywords, StringComparer.OrdinalIgnoreCase))
                    continue;
                if (newModSeq == 0)
                    newModSeq = await c.ScalarAsync(tx, "UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id = @f RETURNING highest_modseq", ("@f", folderId)) ?? 0;
                changedRows.Add((row.Id, new FlagUpdate(row.Uid, newFlags, newKeywords, newModSeq)));
            }
            foreach (var outcome in changedRows.GroupBy(r => (r.Update.Flags, Keywords: string.Join(' ', r.Update.Keywords))))
            {
                foreach (var chunk in outcome.Chunk(500))
                {
                    await c.ExecAsync(tx, $"UPDATE messages SET flags = @fl, keywords = @k, modseq = @ms WHERE id IN ({NumberList(chunk.Select(r => r.Id))})",
                        ("@fl", (long)outcome.Key.Flags), ("@k", outcome.Key.Keywords), ("@ms", newModSeq));
                }
            }
            if (changedRows.Count > 0 && change != FlagChange.Remove)
                await FolderKeywords.RememberAsync(c, tx, folderId, keywords ?? []);
            updated.AddRange(changedRows.Select(r => r.Update));
            // Something changed: this transaction holds the folder row since it took newModSeq, so that is the highest.
            var highest = newModSeq != 0 ? newModSeq : await c.ScalarAsync(tx, "SELECT highest_modseq FROM folders WHERE id = @f", ("@f", folderId)) ?? 0;
            return new StoreFlagsResult(updated, failed, highest);
        }, ct);
        if (result.Updated.Count > 0)
            changes.Publish(new MailboxChange(mailboxId, folderId, MailboxChangeKind.FlagsChanged, result.Updated.Select(u => u.Uid).ToList(), result.HighestModSeq, origin));
        return result;
    }

    /// <summary>The flag state of the messages of <paramref name="uids"/> that exist, in UID order; 500 UIDs a query.</summary>
    private static async Task<List<(long Id, long Uid, MessageFlags Flags, IReadOnlyList<string> Keywords, long ModSeq)>> FlagRowsAsync(
        DbConnection c, DbTransaction tx, long folderId, IReadOnlyList<long> uids)
    {
        var result = new List<(long Id, long Uid, MessageFlags Flags, IReadOnlyList<string> Keywords, long ModSeq)>();
        foreach (var part in uids.Distinct().Order().Chunk(500))
        {
            result.AddRange(await c.QueryAsync(tx, $"SELECT id, uid, flags, keywords, modseq FROM messages WHERE folder_id = @f AND uid IN ({NumberList(part)}) ORDER BY uid",
                r => (r.Long(0), r.Long(1), (MessageFlags)r.Long(2), (IReadOnlyList<string>)SplitKeywords(r.GetString(3)), r.Long(4)), ("@f", folderId)));
        }
        return result;
    }

    /// <summary>
    /// Removes messages: those flagged \Deleted (IMAP EXPUNGE), or exactly <paramref name="uids"/> when
    /// <paramref name="onlyDeleted"/> is false (POP3 DELE at QUIT). Returns the UIDs removed.
    /// </summary>
    /// <param name="pop3Removal">A POP3 QUIT's removals: recorded in <c>pop3_removals</c> in the same transaction, so the
    /// owner and webmail can say what a mail program took off the server.</param>
    public async Task<IReadOnlyList<long>> ExpungeAsync(long folderId, IReadOnlyCollection<long>? uids = null, bool onlyDeleted = true,
        object? origin = null, CancellationToken ct = default, bool pop3Removal = false)
    {
        long mailboxId = 0;
        List<string> removedBodies = [];
        var removed = await db.WriteAsync(async (c, tx) =>
        {
            removedBodies.Clear();
            mailboxId = await c.ScalarAsync(tx, "SELECT mailbox_id FROM folders WHERE id = @f" + LockFolder, ("@f", folderId)) ?? 0;
            // Only the candidates: the rows flagged \Deleted (EXPUNGE), or the few UIDs asked for (UID EXPUNGE,
            // POP3 QUIT), not every row of the folder inside the write transaction.
            var candidates = await ExpungeCandidatesAsync(c, tx, folderId, uids, onlyDeleted);
            var wanted = uids is null ? null : new HashSet<long>(uids);
            var rows = candidates.Where(m => (wanted is null || wanted.Contains(m.Uid)) && (!onlyDeleted || m.Flags.HasFlag(MessageFlags.Deleted))).ToList();
            if (rows.Count == 0)
                return (IReadOnlyList<long>)[];
            await RemoveMessagesAsync(c, tx, folderId, rows, releaseQuota: true, mailboxId);
            if (pop3Removal)
                await c.ExecAsync(tx, "INSERT INTO pop3_removals (mailbox_id, removed_at, messages, bytes) VALUES (@m, @t, @n, @b)",
                    ("@m", mailboxId), ("@t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("@n", (long)rows.Count), ("@b", rows.Sum(r => r.Size)));
            removedBodies.AddRange(rows.Select(r => r.BodyPath).Distinct());
            return rows.Select(r => r.Uid).ToList();
        }, ct);
        if (removed.Count > 0)
        {
            await DeleteUnreferencedBodiesAsync(removedBodies, ct);
            changes.Publish(new MailboxChange(mailboxId, folderId, MailboxChangeKind.MessagesExpunged, removed, 0, origin));
        }
        return removed;
    }

    /// <summary>Ids or UIDs for an IN list: numbers the engine resolved, never client text, so literals are safe.</summary>
    private static string NumberList(IEnumerable<long> numbers) =>
        string.Join(", ", numbers.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static Task<List<StoredMessage>> ExpungeCandidatesAsync(DbConnection c, DbTransaction tx, long folderId, IReadOnlyCollection<long>? uids, bool onlyDeleted)
    {
        var sql = $"SELECT {MessageColumnsLight} FROM messages WHERE folder_id = @f";
        var parameters = new List<(string, object?)> { ("@f", folderId) };
        if (onlyDeleted)
        {
            sql += " AND (flags & @deleted) <> 0";
            parameters.Add(("@deleted", (long)MessageFlags.Deleted));
        }

        if (uids is { Count: > 0 and <= 500 })
            sql += $" AND uid IN ({NumberList(uids)})";

        return c.QueryAsync(tx, sql + " ORDER BY uid", ReadMessage, [.. parameters]);
    }

    /// <summary>Records the first POP3 retrieval of messages, the start of their retention period.</summary>
    public Task MarkPop3RetrievedAsync(IReadOnlyCollection<long> messageIds, CancellationToken ct = default)
    {
        if (messageIds.Count == 0)
            return Task.CompletedTask;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // A whole maildrop may have been downloaded: one statement per 500 ids, not one per message.
        // The ids are longs written as literals, so no parameter limit applies.
        var batches = messageIds.Chunk(500).Select(NumberList).ToList();
        return db.WriteAsync(async (c, tx) =>
        {
            foreach (var ids in batches)
                await c.ExecAsync(tx, $"UPDATE messages SET pop3_retrieved_at = @t WHERE id IN ({ids}) AND pop3_retrieved_at IS NULL", ("@t", now));
        }, ct);
    }

    /// <summary>Notes a quota refusal of new mail (SMTP RCPT or DATA); only the first of a period is kept.</summary>
    internal async Task RecordRefusalAsync(long mailboxId, CancellationToken ct = default)
    {
        // A read first: a sender retrying RCPT at a full mailbox must not cost a write each time.
        var known = await db.ReadAsync(c => c.ScalarAsync(null, "SELECT 1 FROM mailboxes WHERE id = @m AND refused_since IS NULL", ("@m", mailboxId)), ct);
        if (known is null)
            return;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await db.WriteAsync((c, tx) => QuotaLedger.RecordRefusalAsync(c, tx, mailboxId, now), ct);
    }

    public Task<QuotaUsage?> GetQuotaAsync(long mailboxId, CancellationToken ct = default) =>
        db.ReadAsync(async c => (await c.QueryAsync(null, "SELECT used_bytes, quota_bytes, message_count FROM mailboxes WHERE id = @m",
            r => new QuotaUsage(r.Long(0), r.Long(1), r.Long(2)), ("@m", mailboxId))).FirstOrDefault(), ct);

    /// <summary>Removes body files that no message references any more (after an expunge or purge).</summary>
    internal async Task DeleteUnreferencedBodiesAsync(IEnumerable<string> candidates, CancellationToken ct)
    {
        // One query per 500 candidates, not one per body: an EXPUNGE of many messages is one round trip here.
        foreach (var chunk in candidates.Distinct(StringComparer.Ordinal).Chunk(500))
        {
            var names = chunk.Select((_, i) => "@b" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            // EXISTS per body (an index probe that stops at the first row), not a scan of every copy: a
            // message delivered to a thousand mailboxes has a thousand rows with its body.
            var probes = string.Join(" UNION ALL ", names.Select((n, i) =>
                $"SELECT {i.ToString(System.Globalization.CultureInfo.InvariantCulture)} WHERE EXISTS (SELECT 1 FROM messages WHERE body = {n})"));
            var usedIndexes = await db.ReadAsync(c => c.QueryAsync(null, probes,
                r => (int)r.Long(0), [.. chunk.Select((path, i) => (names[i], (object?)path))]), ct);
            var stillUsed = usedIndexes.Select(i => chunk[i]);
            var kept = stillUsed.ToHashSet(StringComparer.Ordinal);
            foreach (var path in chunk)
            {
                if (!kept.Contains(path))
                    bodies.Delete(path);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    internal static async Task InsertFolderAsync(DbConnection c, DbTransaction tx, long mailboxId, string name, string? specialUse)
    {
        var id = await c.ScalarAsync(tx, "INSERT INTO folders (mailbox_id, name, special_use, subscribed, uid_validity) VALUES (@m, @n, @s, 1, 0) RETURNING id",
            ("@m", mailboxId), ("@n", name), ("@s", specialUse));
        await c.ExecAsync(tx, "UPDATE folders SET uid_validity = id WHERE id = @id", ("@id", id));
    }

    private static Task<long?> FolderIdAsync(DbConnection c, DbTransaction tx, long mailboxId, string name) =>
        c.ScalarAsync(tx, "SELECT id FROM folders WHERE mailbox_id = @m AND name = @n", ("@m", mailboxId), ("@n", name));

    /// <summary>Reserves <paramref name="count"/> UIDs and one MODSEQ; the folder row lock orders concurrent writers.</summary>
    private static async Task<(long UidValidity, long FirstUid, long ModSeq)> AllocateUidsAsync(DbConnection c, DbTransaction tx, long folderId, int count)
    {
        var rows = await c.QueryAsync(tx, """
            UPDATE folders SET uid_next = uid_next + @n, highest_modseq = highest_modseq + 1 WHERE id = @f
            RETURNING uid_validity, uid_next - @n, highest_modseq
            """, r => (r.Long(0), r.Long(1), r.Long(2)), ("@n", (long)count), ("@f", folderId));
        return rows[0];
    }

    private async Task InsertMessageAsync(DbConnection c, DbTransaction tx, long folderId, long mailboxId, long uid, long modseq,
        MessageFlags flags, string keywords, WrittenBody body, long internalDate)
    {
        await c.ExecAsync(tx, """
            INSERT INTO messages (folder_id, mailbox_id, uid, modseq, flags, keywords, size, internal_date, body, envelope, body_structure, body_simple, header_size, saved_at)
            VALUES (@f, @m, @u, @ms, @fl, @k, @s, @d, @b, @e, @bs, @bd, @hs, @saved)
            """, ("@saved", time.GetUtcNow().ToUnixTimeMilliseconds()),
            ("@f", folderId), ("@m", mailboxId), ("@u", uid), ("@ms", modseq), ("@fl", (long)flags), ("@k", keywords), ("@s", body.Size),
            ("@d", internalDate), ("@b", body.RelativePath), ("@e", body.Summary.Envelope), ("@bs", body.Summary.BodyStructure), ("@bd", body.Summary.Body),
            ("@hs", body.Summary.HeaderSize));
        await FolderKeywords.RememberAsync(c, tx, folderId, SplitKeywords(keywords));
    }

    /// <summary>
    /// Deletes <paramref name="rows"/> and records their UIDs as expunged at one new MODSEQ (RFC 7162 3.2.10).
    /// The folder row before the mailbox row (see <see cref="LockFolder"/>); rows go 500 to a statement.
    /// </summary>
    private static async Task RemoveMessagesAsync(DbConnection c, DbTransaction tx, long folderId, List<StoredMessage> rows, bool releaseQuota, long mailboxId)
    {
        var modseq = await c.ScalarAsync(tx, "UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id = @f RETURNING highest_modseq", ("@f", folderId)) ?? 0;
        if (releaseQuota)
            await QuotaLedger.ReleaseAsync(c, tx, mailboxId, rows.Sum(r => r.Size), rows.Count);
        foreach (var chunk in rows.Chunk(500))
        {
            await c.ExecAsync(tx, $"DELETE FROM messages WHERE id IN ({NumberList(chunk.Select(m => m.Id))})");
            // UIDs and the MODSEQ are numbers the engine holds, so they are written as literals.
            var values = string.Join(", ", chunk.Select(m => FormattableString.Invariant($"(@f, {m.Uid}, {modseq})")));
            await c.ExecAsync(tx, $"INSERT INTO expunged (folder_id, uid, modseq) VALUES {values} ON CONFLICT (folder_id, uid) DO UPDATE SET modseq = excluded.modseq",
                ("@f", folderId));
        }
    }

    private static (MessageFlags, List<string>) Apply(MessageFlags current, IReadOnlyList<string> currentKeywords, FlagChange change, MessageFlags flags, IReadOnlyCollection<string> keywords)
    {
        var set = new List<string>(currentKeywords);
        switch (change)
        {
            case FlagChange.Add:
                foreach (var k in keywords)
                    if (!set.Contains(k, StringComparer.OrdinalIgnoreCase))
                        set.Add(k);
                return (current | flags, set);
            case FlagChange.Remove:
                set.RemoveAll(k => keywords.Contains(k, StringComparer.OrdinalIgnoreCase));
                return (current & ~flags, set);
            default:
                return (flags, keywords.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
        }
    }

    private static string JoinKeywords(IReadOnlyCollection<string>? keywords) =>
        keywords is null ? "" : string.Join(' ', keywords.Distinct(StringComparer.OrdinalIgnoreCase));

    private static IReadOnlyList<string> SplitKeywords(string text) =>
        text.Length == 0 ? [] : text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    internal static string NormalizeName(string name) =>
        name.Equals(Inbox, StringComparison.OrdinalIgnoreCase) ? Inbox : name;

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 512 && !name.StartsWith(HierarchySeparator) && !name.EndsWith(HierarchySeparator)
        && !name.Contains("//", StringComparison.Ordinal) && !name.Any(char.IsControl);

    private static FolderInfo ReadFolder(DbDataReader r) =>
        new(r.Long(0), r.Long(1), r.GetString(2), r.StringOrNull(3), r.Bool(4), r.Long(5), r.Long(6), r.Long(7), r.Long(8))
        {
            Keywords = FolderKeywords.Split(r.GetString(9)),
        };

    private static StoredMessage ReadMessage(DbDataReader r) =>
        new(r.Long(0), r.Long(1), r.Long(2), (MessageFlags)r.Long(3), SplitKeywords(r.GetString(4)), r.Long(5),
            DateTimeOffset.FromUnixTimeMilliseconds(r.Long(6)), r.GetString(7), r.StringOrNull(8), r.StringOrNull(9), r.StringOrNull(10),
            r.LongOrNull(11) is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null, r.Long(12));
}
