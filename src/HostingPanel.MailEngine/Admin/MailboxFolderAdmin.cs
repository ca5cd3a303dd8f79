using System.Data.Common;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;
using MimeKit;

namespace HostingPanel.MailEngine.Admin;

/// <summary><see cref="IMailboxFolderAdmin"/> over the store's folder rows (their usage columns are kept by a trigger).</summary>
public sealed class MailboxFolderAdmin(EngineDatabase db, MailStore store) : IMailboxFolderAdmin
{
    /// <summary>How many retention runs the overview shows.</summary>
    private const int RunsShown = 10;

    public async Task<MailboxFolderOverview?> GetOverviewAsync(string address, CancellationToken ct = default)
    {
        if (MailDirectory.NormalizeAddress(address) is not { } normalized)
            return null;
        return await db.ReadAsync(async c =>
        {
            var mailbox = await c.QueryAsync(null, """
                SELECT id, address, used_bytes, quota_bytes, message_count, refused_since, trash_retention_days, junk_retention_days
                FROM mailboxes WHERE address = @a AND removed_at IS NULL
                """, r => (Id: r.Long(0), Address: r.GetString(1), Used: r.Long(2), Quota: r.Long(3), Count: r.Long(4), RefusedSince: r.LongOrNull(5),
                    Trash: (int)r.Long(6), Junk: (int)r.Long(7)), ("@a", normalized));
            if (mailbox.Count == 0)
                return null;
            var m = mailbox[0];
            var folders = await c.QueryAsync(null, """
                SELECT name, special_use, message_count, total_bytes, retention_days FROM folders WHERE mailbox_id = @m
                ORDER BY total_bytes DESC, message_count DESC, name
                """, r =>
                {
                    var specialUse = r.StringOrNull(1);
                    var own = r.LongOrNull(4);
                    var fallback = specialUse switch
                    {
                        MailStore.TrashSpecialUse => m.Trash,
                        MailStore.JunkSpecialUse => m.Junk,
                        _ => 0,
                    };
                    return new FolderUsage(ImapStoreAccount.ToUnicode(r.GetString(0)), specialUse, r.Long(2), r.Long(3),
                        own is { } days ? (int)days : fallback, own is null);
                }, ("@m", m.Id));
            var runs = await c.QueryAsync(null, $"SELECT ran_at, messages, bytes FROM retention_runs WHERE mailbox_id = @m ORDER BY ran_at DESC LIMIT {RunsShown}",
                r => new RetentionRun(DateTimeOffset.FromUnixTimeMilliseconds(r.Long(0)), r.Long(1), r.Long(2)), ("@m", m.Id));
            return new MailboxFolderOverview(m.Address, m.Used, m.Quota, m.Count,
                m.RefusedSince is { } t ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null, folders, runs);
        }, ct);
    }

    public async Task<FolderRetentionOutcome> SetRetentionAsync(string address, string folder, int? retentionDays, CancellationToken ct = default)
    {
        if (retentionDays is < 0)
            throw new ArgumentOutOfRangeException(nameof(retentionDays), "retention must not be negative");
        if (MailDirectory.NormalizeAddress(address) is not { } normalized)
            return FolderRetentionOutcome.MailboxNotFound;
        var stored = ImapStoreAccount.ToStore(folder);
        return await db.WriteAsync(async (c, tx) =>
        {
            var mailboxId = await c.ScalarAsync(tx, "SELECT id FROM mailboxes WHERE address = @a AND removed_at IS NULL", ("@a", normalized));
            if (mailboxId is null)
                return FolderRetentionOutcome.MailboxNotFound;
            var rows = await c.ExecAsync(tx, "UPDATE folders SET retention_days = @d WHERE mailbox_id = @m AND name = @n",
                ("@d", retentionDays is { } d ? (long)d : null), ("@m", mailboxId), ("@n", stored));
            return rows == 1 ? FolderRetentionOutcome.Ok : FolderRetentionOutcome.FolderNotFound;
        }, ct);
    }

    public async Task<IReadOnlyList<LargeMessage>?> GetLargestMessagesAsync(string address, int limit, CancellationToken ct = default)
    {
        if (MailDirectory.NormalizeAddress(address) is not { } normalized)
            return null;
        limit = Math.Clamp(limit, 1, 100);
        var rows = await db.ReadAsync(async c =>
        {
            var id = await c.ScalarAsync(null, "SELECT id FROM mailboxes WHERE address = @a AND removed_at IS NULL", ("@a", normalized));
            if (id is null)
                return null;
            // The (mailbox_id, size) index walked backwards: the top few of 100,000 messages without a sort.
            return await c.QueryAsync(null, $"""
                SELECT f.name, m.uid, m.size, m.internal_date, m.body, m.header_size FROM messages m JOIN folders f ON f.id = m.folder_id
                WHERE m.mailbox_id = @m ORDER BY m.size DESC LIMIT {limit}
                """, r => (Folder: r.GetString(0), Uid: r.Long(1), Size: r.Long(2), Date: r.Long(3), Body: r.GetString(4), HeaderSize: r.Long(5)), ("@m", id));
        }, ct);
        if (rows is null)
            return null;
        var result = new List<LargeMessage>(rows.Count);
        foreach (var row in rows)
        {
            var (subject, from) = ReadSubjectAndFrom(row.Body, row.HeaderSize);
            result.Add(new LargeMessage(ImapStoreAccount.ToUnicode(row.Folder), row.Uid, row.Size, DateTimeOffset.FromUnixTimeMilliseconds(row.Date), subject, from));
        }
        return result;
    }

    /// <summary>Subject and From from the header block only (bounded: a large message is mostly its body).</summary>
    private (string Subject, string From) ReadSubjectAndFrom(string bodyPath, long headerSize)
    {
        const int MaxHeader = 64 * 1024;
        try
        {
            using var stream = store.Bodies.Open(bodyPath);
            var length = headerSize is > 0 and <= MaxHeader ? (int)headerSize : MaxHeader;
            var buffer = new byte[length];
            var read = stream.ReadAtLeast(buffer, length, throwOnEndOfStream: false);
            var headers = HeaderList.Load(new MemoryStream(buffer, 0, read));
            var from = headers[HeaderId.From] is { } f && InternetAddressList.TryParse(f, out var list) ? list.ToString() : "";
            return (headers[HeaderId.Subject] ?? "", from);
        }
        catch (Exception e) when (e is IOException or FormatException or ParseException)
        {
            // Expunged meanwhile, or a header block MimeKit cannot read: the size and date still help.
            return ("", "");
        }
    }
}
