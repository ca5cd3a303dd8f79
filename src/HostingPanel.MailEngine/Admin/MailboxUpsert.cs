using System.Data.Common;
using System.Text;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Admin;

/// <summary>
/// Writes many mailboxes' desired state in a few set-based statements inside the caller's transaction:
/// one multi-row upsert per chunk, the default folders of the new ones in one insert, forwards replaced.
/// The provisioning worker applies hundreds of mailboxes per pass; a statement per row and folder
/// (about 16 round trips a mailbox) was what limited it on PostgreSQL.
/// </summary>
internal static class MailboxUpsert
{
    /// <summary>Rows per statement: 13 parameters each stays far below SQLite's and PostgreSQL's limits.</summary>
    private const int ChunkSize = 250;

    public sealed record Row(string Address, string Domain, MailboxSpec Spec, IReadOnlyList<string> Forwards);

    /// <summary>Normalizes and checks a spec before any transaction starts, so a bad one fails alone and early.</summary>
    public static Row Prepare(MailboxSpec spec)
    {
        var address = MailDirectory.NormalizeAddress(spec.Address) ?? throw new ArgumentException($"not an address: {Protocol.Smtp.SmtpText.Escape(spec.Address)}", nameof(spec));
        if (spec.QuotaBytes < 0)
            throw new ArgumentOutOfRangeException(nameof(spec), "quota must not be negative");
        var forwards = (spec.ForwardTo ?? []).Select(f => MailDirectory.NormalizeAddress(f) ?? throw new ArgumentException($"not an address: {Protocol.Smtp.SmtpText.Escape(f)}", nameof(spec)))
            .Distinct().ToList();
        return new Row(address, address[(address.IndexOf('@') + 1)..], spec, forwards);
    }

    /// <returns>
    /// The ids of existing mailboxes whose credentials this write changed (password, enabled, IMAP or POP3 turned
    /// off): their open sessions must end (<see cref="MailboxChangeKind.CredentialsChanged"/>).
    /// </returns>
    public static async Task<IReadOnlyList<long>> WriteAsync(DbConnection c, DbTransaction tx, IReadOnlyList<Row> rows, long now,
        Func<DbConnection, DbTransaction, string, Task<long>> ensureDomain)
    {
        var revoked = new List<long>();
        // The same address twice in one statement is an error on PostgreSQL ("cannot affect row a second time"); the last wins.
        rows = rows.GroupBy(r => r.Address, StringComparer.Ordinal).Select(g => g.Last()).ToList();
        var domainIds = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var domain in rows.Select(r => r.Domain).Distinct(StringComparer.Ordinal))
            domainIds[domain] = await ensureDomain(c, tx, domain);

        foreach (var chunk in rows.Chunk(ChunkSize))
        {
            var before = await ReadCredentialsAsync(c, tx, chunk);
            var ids = await UpsertAsync(c, tx, chunk, domainIds, now);
            foreach (var row in chunk)
                if (before.TryGetValue(row.Address, out var old) && Revokes(old, row.Spec))
                    revoked.Add(old.Id);
            var idList = string.Join(",", ids.Values);
            await CreateDefaultFoldersAsync(c, tx, idList);
            await c.ExecAsync(tx, $"DELETE FROM mailbox_forwards WHERE mailbox_id IN ({idList})");
            foreach (var row in chunk)
                foreach (var f in row.Forwards)
                    await c.ExecAsync(tx, "INSERT INTO mailbox_forwards (mailbox_id, destination) VALUES (@m, @d)", ("@m", ids[row.Address]), ("@d", f));
        }
        return revoked;
    }

    private sealed record Credentials(long Id, string PasswordHash, bool Enabled, bool Imap, bool Pop3);

    /// <summary>A replay of the same spec revokes nothing; a new hash or a right taken away does.</summary>
    private static bool Revokes(Credentials old, MailboxSpec spec) =>
        !string.Equals(old.PasswordHash, spec.PasswordHash, StringComparison.Ordinal)
        || (old.Enabled && !spec.Enabled) || (old.Imap && !spec.ImapEnabled) || (old.Pop3 && !spec.Pop3Enabled);

    private static async Task<Dictionary<string, Credentials>> ReadCredentialsAsync(DbConnection c, DbTransaction tx, Row[] chunk)
    {
        var names = string.Join(", ", chunk.Select((_, i) => $"@a{i}"));
        var rows = await c.QueryAsync(tx, $"SELECT id, address, password_hash, enabled, imap_enabled, pop3_enabled FROM mailboxes WHERE address IN ({names})",
            r => (Address: r.GetString(1), Value: new Credentials(r.Long(0), r.GetString(2), r.Bool(3), r.Bool(4), r.Bool(5))),
            [.. chunk.Select((row, i) => ($"@a{i}", (object?)row.Address))]);
        return rows.ToDictionary(x => x.Address, x => x.Value, StringComparer.Ordinal);
    }

    private static async Task<Dictionary<string, long>> UpsertAsync(DbConnection c, DbTransaction tx, Row[] chunk, Dictionary<string, long> domainIds, long now)
    {
        var sql = new StringBuilder("""
            INSERT INTO mailboxes (address, domain_id, password_hash, quota_bytes, enabled, imap_enabled, pop3_enabled, pop3_retention_days, display_name, keep_copy,
                                   trash_retention_days, junk_retention_days, created_at)
            VALUES
            """);
        var parameters = new List<(string, object?)> { ("@t", now) };
        for (var i = 0; i < chunk.Length; i++)
        {
            var (row, s) = (chunk[i], chunk[i].Spec);
            sql.Append(i == 0 ? "\n" : ",\n").Append($"(@a{i}, @d{i}, @h{i}, @q{i}, @e{i}, @i{i}, @p{i}, @r{i}, @n{i}, @k{i}, @tr{i}, @jr{i}, @t)");
            parameters.AddRange([($"@a{i}", row.Address), ($"@d{i}", domainIds[row.Domain]), ($"@h{i}", s.PasswordHash), ($"@q{i}", s.QuotaBytes),
                ($"@e{i}", B(s.Enabled)), ($"@i{i}", B(s.ImapEnabled)), ($"@p{i}", B(s.Pop3Enabled)), ($"@r{i}", (long)Math.Max(0, s.Pop3RetentionDays)),
                ($"@n{i}", s.DisplayName), ($"@k{i}", B(s.KeepCopyWhenForwarding)),
                ($"@tr{i}", (long)Math.Max(0, s.TrashRetentionDays)), ($"@jr{i}", (long)Math.Max(0, s.JunkRetentionDays))]);
        }
        sql.Append("""

            ON CONFLICT (address) DO UPDATE SET password_hash = excluded.password_hash, quota_bytes = excluded.quota_bytes, enabled = excluded.enabled,
                imap_enabled = excluded.imap_enabled, pop3_enabled = excluded.pop3_enabled, pop3_retention_days = excluded.pop3_retention_days,
                display_name = excluded.display_name, keep_copy = excluded.keep_copy, removed_at = NULL, purge_after = NULL,
                trash_retention_days = excluded.trash_retention_days, junk_retention_days = excluded.junk_retention_days,
                refused_since = CASE WHEN excluded.quota_bytes = mailboxes.quota_bytes THEN mailboxes.refused_since ELSE NULL END
            RETURNING id, address
            """);
        var returned = await c.QueryAsync(tx, sql.ToString(), r => (Id: r.Long(0), Address: r.GetString(1)), [.. parameters]);
        return returned.ToDictionary(x => x.Address, x => x.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// The default folders, in their order, for the mailboxes of <paramref name="idList"/> that have none yet
    /// (an update keeps the folders it has). UIDVALIDITY is the folder's id: unique and never reused.
    /// </summary>
    private static async Task CreateDefaultFoldersAsync(DbConnection c, DbTransaction tx, string idList)
    {
        var values = string.Join(", ", MailStore.DefaultFolders.Select((f, i) =>
            $"({i}, '{f.Name}', {(f.SpecialUse is null ? "NULL" : $"'{f.SpecialUse}'")})"));
        await c.ExecAsync(tx, $"""
            WITH defaults (ord, name, special_use) AS (VALUES {values})
            INSERT INTO folders (mailbox_id, name, special_use, subscribed, uid_validity)
            SELECT m.id, d.name, d.special_use, 1, 0 FROM mailboxes m CROSS JOIN defaults d
            WHERE m.id IN ({idList}) AND NOT EXISTS (SELECT 1 FROM folders f WHERE f.mailbox_id = m.id)
            ORDER BY m.id, d.ord
            """);
        // The default folders start subscribed (CREATE does not subscribe; Dovecot's "auto = subscribe").
        await c.ExecAsync(tx, $"""
            INSERT INTO subscriptions (mailbox_id, name)
            SELECT mailbox_id, name FROM folders WHERE uid_validity = 0 AND mailbox_id IN ({idList})
            ON CONFLICT DO NOTHING
            """);
        await c.ExecAsync(tx, $"UPDATE folders SET uid_validity = id WHERE uid_validity = 0 AND mailbox_id IN ({idList})");
    }

    private static long B(bool value) => value ? 1 : 0;
}
