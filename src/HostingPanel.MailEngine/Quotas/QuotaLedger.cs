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
    public static async Task<bool> TryReserveAsync(DbConnection c, DbTransaction tx, long mailboxId, long bytes, long messages)
    {
        var rows = await c.ExecAsync(tx, """
            UPDATE mailboxes SET used_bytes = used_bytes + @n, message_count = message_count + @m
            WHERE id = @id AND (quota_bytes = 0 OR used_bytes + @n <= quota_bytes)
            """, ("@n", bytes), ("@m", messages), ("@id", mailboxId));
        return rows == 1;
    }

    public static Task ReleaseAsync(DbConnection c, DbTransaction tx, long mailboxId, long bytes, long messages) =>
        c.ExecAsync(tx, """
            UPDATE mailboxes SET used_bytes = CASE WHEN used_bytes >= @n THEN used_bytes - @n ELSE 0 END,
                                 message_count = CASE WHEN message_count >= @m THEN message_count - @m ELSE 0 END
            WHERE id = @id
            """, ("@n", bytes), ("@m", messages), ("@id", mailboxId));
}
