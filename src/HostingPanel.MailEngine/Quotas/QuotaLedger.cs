using System.Data.Common;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Quotas;

/// <summary>
/// The one quota operation every writer uses (SMTP delivery, APPEND, COPY): a conditional update in
/// the caller's transaction, so concurrent writers can never push a mailbox past its limit.
/// Zero rows updated means "over quota" (or the mailbox is gone).
/// </summary>
internal static class QuotaLedger
{
    /// <param name="overdraftBytes">
    /// How far past the quota this write may go: 0 for mail and the user's own writes; a small allowance for
    /// copies into Trash (<see cref="QuotaOverdraft.TrashBytes"/>) and the product's own notices
    /// (<see cref="QuotaOverdraft.NoticeBytes"/>), so that a full mailbox can still be cleaned up and told so.
    /// </param>
    public static async Task<bool> TryReserveAsync(DbConnection c, DbTransaction tx, long mailboxId, long bytes, long messages, long overdraftBytes = 0)
    {
        var rows = await c.ExecAsync(tx, """
            UPDATE mailboxes SET used_bytes = used_bytes + @n, message_count = message_count + @m
            WHERE id = @id AND (quota_bytes = 0 OR used_bytes + @n <= quota_bytes + @o)
            """, ("@n", bytes), ("@m", messages), ("@id", mailboxId), ("@o", Math.Max(0, overdraftBytes)));
        return rows == 1;
    }

    /// <summary>Gives bytes back; freeing space also ends a "refusing new mail since" period (the next refusal starts a new one).</summary>
    public static Task ReleaseAsync(DbConnection c, DbTransaction tx, long mailboxId, long bytes, long messages) =>
        c.ExecAsync(tx, """
            UPDATE mailboxes SET used_bytes = CASE WHEN used_bytes >= @n THEN used_bytes - @n ELSE 0 END,
                                 message_count = CASE WHEN message_count >= @m THEN message_count - @m ELSE 0 END,
                                 refused_since = CASE WHEN @n > 0 THEN NULL ELSE refused_since END
            WHERE id = @id
            """, ("@n", bytes), ("@m", messages), ("@id", mailboxId));

    /// <summary>Records that mail to the mailbox was refused for its quota, keeping the first such moment.</summary>
    public static Task RecordRefusalAsync(DbConnection c, DbTransaction tx, long mailboxId, long now) =>
        c.ExecAsync(tx, "UPDATE mailboxes SET refused_since = @t WHERE id = @id AND refused_since IS NULL", ("@t", now), ("@id", mailboxId));
}

/// <summary>The allowances past the quota (see <see cref="QuotaLedger.TryReserveAsync"/>).</summary>
public static class QuotaOverdraft
{
    /// <summary>Room kept past the quota for the product's own notices (the 100 % notice must arrive in a full mailbox).</summary>
    public const long NoticeBytes = 256 * 1024;

    /// <summary>
    /// Room past the quota for COPY/APPEND into the Trash folder, which many mail programs do on delete
    /// (copy to Trash, flag \Deleted, expunge): a fifth of the quota, at least 20 MiB. The next retention
    /// run removes Trash's oldest messages until the mailbox is back under its quota.
    /// </summary>
    public static long TrashBytes(long quotaBytes) => quotaBytes <= 0 ? 0 : Math.Max(quotaBytes / 5, 20L * 1024 * 1024);
}
