using System.Data.Common;
using System.Text;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.Bench.FolderGrowth;

/// <summary>
/// Fills one mailbox's INBOX with <c>count</c> messages fast: one real APPEND through the store (body
/// file, cached ENVELOPE/BODYSTRUCTURE), then its row copied in SQL with ascending UIDs, MODSEQs and
/// internal dates, nine in ten \Seen. Every copy shares the one body file, as a message delivered to
/// many mailboxes does; what is measured reads rows, not bodies (except the last-50 FETCH, which reads
/// the cached ENVELOPE from the rows too).
/// </summary>
internal static class FolderSeeder
{
    public const string Password = "growth-Password-1";
    private const int RowsPerStatement = 100_000;

    public static async Task<(long MailboxId, long FolderId)> SeedAsync(IServiceProvider services, string address, int count)
    {
        var admin = (IMailEngineAdmin)services.GetService(typeof(IMailEngineAdmin))!;
        var directory = (MailDirectory)services.GetService(typeof(MailDirectory))!;
        var store = (MailStore)services.GetService(typeof(MailStore))!;
        var db = (EngineDatabase)services.GetService(typeof(EngineDatabase))!;
        await admin.EnsureDomainAsync(address.Split('@')[1]);
        await admin.EnsureMailboxAsync(new MailboxSpec(address, DovecotPassword.HashSha512Crypt(Password), 0, true, true, true, 0));
        var mailbox = (await directory.FindMailboxAsync(address))!;
        var inbox = (await store.GetFolderAsync(mailbox.Id, MailStore.Inbox))!;

        var message = Encoding.ASCII.GetBytes(
            "From: Growth Sender <sender@growth.test>\r\nTo: " + address + "\r\nSubject: growth curve message\r\n" +
            "Date: Mon, 07 Dec 2026 12:00:00 +0000\r\nMessage-ID: <template@growth.test>\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + string.Concat(Enumerable.Repeat("A line of body text for the growth benchmark.\r\n", 40)));
        using (var stream = new MemoryStream(message))
        {
            var first = await store.AppendAsync(mailbox.Id, inbox.Id, stream, MessageFlags.Seen, internalDate: DateTimeOffset.UtcNow.AddYears(-3));
            if (first.Status != StoreStatus.Ok)
                throw new InvalidOperationException("template APPEND: " + first.Status);
        }

        await using var connection = await db.OpenAsync();
        var template = await ScalarAsync(connection, "SELECT id FROM messages WHERE folder_id = @f", ("@f", inbox.Id));
        for (var done = 1; done < count; done += RowsPerStatement)
        {
            var rows = Math.Min(RowsPerStatement, count - done);
            await using var tx = await connection.BeginTransactionAsync();
            await ExecAsync(connection, tx, """
                WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < @rows)
                INSERT INTO messages (folder_id, mailbox_id, uid, modseq, flags, keywords, size, internal_date, body, envelope, body_structure, body_simple, header_size, saved_at)
                SELECT t.folder_id, t.mailbox_id, t.uid + @done + seq.n - 1, t.modseq + @done + seq.n - 1,
                       CASE WHEN (@done + seq.n) % 10 = 0 THEN 0 ELSE 1 END, '', t.size, t.internal_date + (@done + seq.n) * CAST(60000 AS BIGINT),
                       t.body, t.envelope, t.body_structure, t.body_simple, t.header_size, t.saved_at
                FROM messages t, seq WHERE t.id = @t
                """, ("@rows", rows), ("@done", done), ("@t", template));
            await tx.CommitAsync();
        }

        await ExecAsync(connection, null, """
            UPDATE folders SET uid_next = (SELECT MAX(uid) + 1 FROM messages WHERE folder_id = @f),
                               highest_modseq = (SELECT MAX(modseq) + 1 FROM messages WHERE folder_id = @f) WHERE id = @f
            """, ("@f", inbox.Id));
        await ExecAsync(connection, null, """
            UPDATE mailboxes SET used_bytes = (SELECT SUM(size) FROM messages WHERE mailbox_id = @m),
                                 message_count = (SELECT COUNT(*) FROM messages WHERE mailbox_id = @m) WHERE id = @m
            """, ("@m", mailbox.Id));
        // Statistics for the planner after a bulk load, as an operator's autovacuum would soon have them.
        await ExecAsync(connection, null, db.IsSqlite ? "ANALYZE" : "ANALYZE messages");
        return (mailbox.Id, inbox.Id);
    }

    private static async Task<long> ScalarAsync(DbConnection c, string sql, params (string, object)[] parameters)
    {
        await using var command = Command(c, null, sql, parameters);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task ExecAsync(DbConnection c, DbTransaction? tx, string sql, params (string, object)[] parameters)
    {
        await using var command = Command(c, tx, sql, parameters);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, (string Name, object Value)[] parameters)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value;
            command.Parameters.Add(p);
        }
        return command;
    }
}
