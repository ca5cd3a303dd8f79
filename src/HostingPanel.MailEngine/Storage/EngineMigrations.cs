using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// The engine's schema versions, applied in order and recorded in <c>schema_migrations</c>.
/// One SQL text serves both providers; <c>{pk}</c> is the only dialect difference.
/// Timestamps are Unix milliseconds, booleans 0/1, so both providers read alike.
/// </summary>
internal static class EngineMigrations
{
    public const string PostgresSchema = "mail";

    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "initial", """
            CREATE TABLE domains (
                id {pk},
                name TEXT NOT NULL UNIQUE,
                removed_at BIGINT NULL,
                purge_after BIGINT NULL
            );
            CREATE TABLE mailboxes (
                id {pk},
                address TEXT NOT NULL UNIQUE,
                domain_id BIGINT NOT NULL REFERENCES domains(id),
                password_hash TEXT NOT NULL,
                quota_bytes BIGINT NOT NULL,
                used_bytes BIGINT NOT NULL DEFAULT 0,
                message_count BIGINT NOT NULL DEFAULT 0,
                enabled BIGINT NOT NULL,
                imap_enabled BIGINT NOT NULL,
                pop3_enabled BIGINT NOT NULL,
                pop3_retention_days BIGINT NOT NULL,
                display_name TEXT NULL,
                keep_copy BIGINT NOT NULL DEFAULT 1,
                removed_at BIGINT NULL,
                purge_after BIGINT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE TABLE mailbox_forwards (
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                destination TEXT NOT NULL,
                PRIMARY KEY (mailbox_id, destination)
            );
            CREATE TABLE aliases (
                id {pk},
                address TEXT NOT NULL UNIQUE,
                domain_id BIGINT NOT NULL REFERENCES domains(id)
            );
            CREATE TABLE alias_destinations (
                alias_id BIGINT NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
                destination TEXT NOT NULL,
                PRIMARY KEY (alias_id, destination)
            );
            CREATE TABLE folders (
                id {pk},
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                special_use TEXT NULL,
                subscribed BIGINT NOT NULL DEFAULT 1,
                uid_validity BIGINT NOT NULL,
                uid_next BIGINT NOT NULL DEFAULT 1,
                highest_modseq BIGINT NOT NULL DEFAULT 1,
                UNIQUE (mailbox_id, name)
            );
            CREATE TABLE messages (
                id {pk},
                folder_id BIGINT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
                mailbox_id BIGINT NOT NULL,
                uid BIGINT NOT NULL,
                modseq BIGINT NOT NULL,
                flags BIGINT NOT NULL,
                keywords TEXT NOT NULL DEFAULT '',
                size BIGINT NOT NULL,
                internal_date BIGINT NOT NULL,
                body TEXT NOT NULL,
                envelope TEXT NOT NULL,
                body_structure TEXT NOT NULL,
                body_simple TEXT NOT NULL,
                pop3_retrieved_at BIGINT NULL,
                UNIQUE (folder_id, uid)
            );
            CREATE INDEX ix_messages_body ON messages (body);
            CREATE INDEX ix_messages_folder_modseq ON messages (folder_id, modseq);
            CREATE INDEX ix_messages_pop3_retrieved ON messages (pop3_retrieved_at);
            CREATE TABLE expunged (
                folder_id BIGINT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
                uid BIGINT NOT NULL,
                modseq BIGINT NOT NULL,
                PRIMARY KEY (folder_id, uid)
            );
            """),
        // The length of the top-level header block (blank line included) as MimeKit parsed it at delivery:
        // FETCH BODY[HEADER] and header-only SEARCH read just that head of the body file. -1 = unknown
        // (rows from before this version, or a message MimeKit could not parse): the full body is read.
        (2, "header size", """
            ALTER TABLE messages ADD COLUMN header_size BIGINT NOT NULL DEFAULT -1;
            """),
        // Per-folder usage kept beside the rows (a trigger on messages, so no writer can forget it): the
        // folder list with sizes answers from 100 rows, not a scan of 100,000 messages. Retention per folder
        // (NULL: the mailbox's default for its special use; 0: never), the mailbox's Trash/Junk defaults from
        // the plan, when quota refusals began, and one row per retention run for the usage history. saved_at is when
        // a message came into its folder (COPY keeps the internal date, so Trash's clock needs its own; NULL: use
        // internal_date, for rows from before).
        (3, "folder usage and retention", """
            ALTER TABLE folders ADD COLUMN message_count BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE folders ADD COLUMN total_bytes BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE folders ADD COLUMN retention_days BIGINT NULL;
            ALTER TABLE mailboxes ADD COLUMN trash_retention_days BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE mailboxes ADD COLUMN junk_retention_days BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE mailboxes ADD COLUMN refused_since BIGINT NULL;
            UPDATE folders SET message_count = (SELECT COUNT(*) FROM messages m WHERE m.folder_id = folders.id),
                               total_bytes = (SELECT COALESCE(SUM(m.size), 0) FROM messages m WHERE m.folder_id = folders.id);
            CREATE TABLE retention_runs (
                id {pk},
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                ran_at BIGINT NOT NULL,
                messages BIGINT NOT NULL,
                bytes BIGINT NOT NULL
            );
            CREATE INDEX ix_retention_runs_mailbox ON retention_runs (mailbox_id, ran_at);
            CREATE INDEX ix_messages_mailbox_size ON messages (mailbox_id, size);
            ALTER TABLE messages ADD COLUMN saved_at BIGINT NULL;
            {folder_usage_triggers}
            """),
        // IMAP \Recent (RFC 3501 2.3.2): the first UID no session has claimed yet. Mail already there when
        // this version arrives is not recent (no session can have been told otherwise).
        (4, "recent", """
            ALTER TABLE folders ADD COLUMN recent_uid BIGINT NOT NULL DEFAULT 1;
            UPDATE folders SET recent_uid = uid_next;
            """),
        // The delivery log: one row per message and recipient and step. local_domain is the hosted domain the
        // line belongs to (tenants see their own); queue_id ties the outbound queue's lines to the one that queued.
        (5, "delivery log", """
            CREATE TABLE delivery_log (
                id {pk},
                time BIGINT NOT NULL,
                outcome TEXT NOT NULL,
                sender TEXT NOT NULL,
                recipient TEXT NOT NULL,
                local_domain TEXT NULL,
                message_id TEXT NULL,
                size BIGINT NOT NULL,
                client TEXT NULL,
                reason TEXT NULL,
                detail TEXT NULL,
                queue_id TEXT NULL
            );
            CREATE INDEX ix_delivery_log_time ON delivery_log (time);
            CREATE INDEX ix_delivery_log_recipient ON delivery_log (recipient, time);
            CREATE INDEX ix_delivery_log_sender ON delivery_log (sender, time);
            CREATE INDEX ix_delivery_log_message_id ON delivery_log (message_id);
            CREATE INDEX ix_delivery_log_local_domain ON delivery_log (local_domain, time);
            CREATE INDEX ix_delivery_log_queue_id ON delivery_log (queue_id);
            """),
        // Sieve (RFC 5228) scripts per mailbox, at most one active (RFC 5804's model); the vacation
        // replies already sent, so each sender gets one per period and handle (RFC 5230 section 4.2).
        (6, "sieve", """
            CREATE TABLE sieve_scripts (
                id {pk},
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                content TEXT NOT NULL,
                active BIGINT NOT NULL DEFAULT 0,
                updated_at BIGINT NOT NULL,
                UNIQUE (mailbox_id, name)
            );
            CREATE INDEX ix_sieve_scripts_active ON sieve_scripts (mailbox_id, active);
            CREATE TABLE sieve_vacation_sent (
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                sender TEXT NOT NULL,
                handle TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                PRIMARY KEY (mailbox_id, sender, handle)
            );
            """),
        // IMAP subscriptions are names, not folder attributes (RFC 9051 6.3.7-8): a name can be subscribed
        // before it exists and after it is deleted. Folders subscribed so far keep their subscription.
        (7, "subscriptions", """
            CREATE TABLE subscriptions (
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                PRIMARY KEY (mailbox_id, name)
            );
            INSERT INTO subscriptions (mailbox_id, name) SELECT mailbox_id, name FROM folders WHERE subscribed = 1;
            """),
        // IMAP migration jobs (moving a mailbox in from another host): progress, and the source's credentials
        // (encrypted by the caller) only while the job is queued or running.
        (8, "migration jobs", """
            CREATE TABLE migration_jobs (
                id TEXT PRIMARY KEY,
                address TEXT NOT NULL,
                host TEXT NOT NULL,
                port BIGINT NOT NULL,
                security TEXT NOT NULL,
                username TEXT NOT NULL,
                secret TEXT NULL,
                allow_private BIGINT NOT NULL DEFAULT 0,
                status TEXT NOT NULL,
                messages BIGINT NOT NULL DEFAULT 0,
                bytes BIGINT NOT NULL DEFAULT 0,
                folders BIGINT NOT NULL DEFAULT 0,
                skipped BIGINT NOT NULL DEFAULT 0,
                errors TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE INDEX ix_migration_jobs_status ON migration_jobs (status);
            """),
        // Who holds a domain (an opaque tenant key from the panel) and whether its ownership is proven: mail that
        // another tenant submits to an unverified domain leaves through the outbound queue (MailDirectory).
        // Domains from before this version count as verified, as they were treated until now.
        (9, "domain ownership", """
            ALTER TABLE domains ADD COLUMN owner TEXT NULL;
            ALTER TABLE domains ADD COLUMN verified BIGINT NOT NULL DEFAULT 1;
            """),
        // DKIM keys per domain (RFC 6376; Ed25519 per RFC 8463). Private keys encrypted with the node's key file
        // (Dkim/DkimKeyProtector). state: active (signs), pending (rotation: waits until its record is in DNS), retired.
        (10, "dkim keys", """
            CREATE TABLE dkim_keys (
                id {pk},
                domain TEXT NOT NULL,
                selector TEXT NOT NULL,
                algorithm TEXT NOT NULL,
                private_key TEXT NOT NULL,
                public_key TEXT NOT NULL,
                state TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                UNIQUE (domain, selector)
            );
            CREATE INDEX ix_dkim_keys_domain ON dkim_keys (domain, state);
            """),
        // Outbound abuse limits (Outbound/Limits/SendLimiter): what each mailbox sent out in the last hour, and the
        // mailboxes whose sending is held until staff release them.
        (11, "send limits", """
            CREATE TABLE send_counts (
                id {pk},
                mailbox_id BIGINT NOT NULL,
                domain TEXT NOT NULL,
                recipients BIGINT NOT NULL,
                sent_at BIGINT NOT NULL
            );
            CREATE INDEX ix_send_counts_mailbox ON send_counts (mailbox_id, sent_at);
            CREATE INDEX ix_send_counts_domain ON send_counts (domain, sent_at);
            CREATE TABLE send_holds (
                mailbox_id BIGINT NOT NULL PRIMARY KEY,
                address TEXT NOT NULL,
                reason TEXT NOT NULL,
                held_at BIGINT NOT NULL
            );
            """),
        // STATUS (UNSEEN, and \Deleted for the portal) counted once at write time rather than over every row
        // of the folder on each call: at a million messages the count took a second (issue 27).
        (12, "folder flag counts", """
            ALTER TABLE folders ADD COLUMN unseen_count BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE folders ADD COLUMN deleted_count BIGINT NOT NULL DEFAULT 0;
            UPDATE folders SET
                unseen_count = (SELECT COUNT(*) FROM messages m WHERE m.folder_id = folders.id AND (m.flags & 1) = 0),
                deleted_count = (SELECT COUNT(*) FROM messages m WHERE m.folder_id = folders.id AND (m.flags & 8) <> 0);
            {folder_flag_triggers}
            """),
        // POP3 insight (issue 19 item 4): the last successful login per mailbox and protocol (imap, pop3, webmail,
        // submission, managesieve), written by Auth/LoginActivity a few at a time, never once per login; and one row
        // per POP3 QUIT that removed mail, so the owner and webmail can say what a mail program took off the server.
        (13, "login activity and pop3 removals", """
            CREATE TABLE mailbox_logins (
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                protocol TEXT NOT NULL,
                last_at BIGINT NOT NULL,
                PRIMARY KEY (mailbox_id, protocol)
            );
            CREATE TABLE pop3_removals (
                id {pk},
                mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
                removed_at BIGINT NOT NULL,
                messages BIGINT NOT NULL,
                bytes BIGINT NOT NULL
            );
            CREATE INDEX ix_pop3_removals_mailbox ON pop3_removals (mailbox_id, removed_at);
            """),
        // The keywords a folder has ever had, space-separated, only growing (issue 17): IMAP's FLAGS list is the
        // folder's, as Dovecot keeps it, so every session announces the same list, also after the last message
        // carrying a keyword lost it (imaptest's checkpoints compare the lists). Rows from before start empty;
        // sessions add the keywords the folder's messages carry (Storage/FolderKeywords).
        (14, "folder keywords", """
            ALTER TABLE folders ADD COLUMN keywords TEXT NOT NULL DEFAULT '';
            """),
        // The outbound queue shared by every node on one PostgreSQL database (issue 24, Outbound/SharedOutboundQueue):
        // the entry's state as JSON, the message itself, and the lease of the node sending it now (claimed with
        // FOR UPDATE SKIP LOCKED, so two nodes never take the same entry). SQLite keeps its queue in files; the table
        // exists there too, empty, so both schemas stay the same.
        (15, "shared outbound queue", """
            CREATE TABLE outbound_queue (
                id TEXT NOT NULL PRIMARY KEY,
                entry TEXT NOT NULL,
                message {blob} NOT NULL,
                submitted_by TEXT NULL,
                created_at BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                claimed_by TEXT NULL,
                claimed_until BIGINT NULL
            );
            CREATE INDEX ix_outbound_queue_due ON outbound_queue (next_attempt_at);
            """),
        // A migration's progress per message (issue 22): the source's messages found when the job planned its run, and
        // how many of those it has still to copy; a progress bar is (total - remaining) / total.
        (16, "migration progress", """
            ALTER TABLE migration_jobs ADD COLUMN total_messages BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE migration_jobs ADD COLUMN remaining_messages BIGINT NOT NULL DEFAULT 0;
            """),
    ];

    /// <summary>Text that differs by provider, substituted into a migration's SQL by name.</summary>
    private static readonly Dictionary<string, (string Sqlite, string Postgres)> DialectParts = new()
    {
        ["{blob}"] = ("BLOB", "BYTEA"),
        ["{folder_usage_triggers}"] = ("""
            CREATE TRIGGER tr_messages_folder_usage_insert AFTER INSERT ON messages BEGIN
                UPDATE folders SET message_count = message_count + 1, total_bytes = total_bytes + NEW.size WHERE id = NEW.folder_id;
            END;
            CREATE TRIGGER tr_messages_folder_usage_delete AFTER DELETE ON messages BEGIN
                UPDATE folders SET message_count = message_count - 1, total_bytes = total_bytes - OLD.size WHERE id = OLD.folder_id;
            END;
            CREATE TRIGGER tr_messages_folder_usage_update AFTER UPDATE OF folder_id, size ON messages BEGIN
                UPDATE folders SET message_count = message_count - 1, total_bytes = total_bytes - OLD.size WHERE id = OLD.folder_id;
                UPDATE folders SET message_count = message_count + 1, total_bytes = total_bytes + NEW.size WHERE id = NEW.folder_id;
            END;
            """, """
            CREATE FUNCTION folder_usage() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('DELETE', 'UPDATE') THEN
                    UPDATE folders SET message_count = message_count - 1, total_bytes = total_bytes - OLD.size WHERE id = OLD.folder_id;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    UPDATE folders SET message_count = message_count + 1, total_bytes = total_bytes + NEW.size WHERE id = NEW.folder_id;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER tr_messages_folder_usage AFTER INSERT OR DELETE OR UPDATE OF folder_id, size ON messages
                FOR EACH ROW EXECUTE FUNCTION folder_usage();
            """),
        // \Seen is flag bit 1, \Deleted bit 8 (MessageFlags). A flag change that touches neither fires nothing.
        ["{folder_flag_triggers}"] = ("""
            CREATE TRIGGER tr_messages_folder_flags_insert AFTER INSERT ON messages BEGIN
                UPDATE folders SET unseen_count = unseen_count + ((NEW.flags & 1) = 0), deleted_count = deleted_count + ((NEW.flags & 8) <> 0)
                WHERE id = NEW.folder_id;
            END;
            CREATE TRIGGER tr_messages_folder_flags_delete AFTER DELETE ON messages BEGIN
                UPDATE folders SET unseen_count = unseen_count - ((OLD.flags & 1) = 0), deleted_count = deleted_count - ((OLD.flags & 8) <> 0)
                WHERE id = OLD.folder_id;
            END;
            CREATE TRIGGER tr_messages_folder_flags_update AFTER UPDATE OF folder_id, flags ON messages
                WHEN OLD.folder_id <> NEW.folder_id OR (OLD.flags & 9) <> (NEW.flags & 9) BEGIN
                UPDATE folders SET unseen_count = unseen_count - ((OLD.flags & 1) = 0), deleted_count = deleted_count - ((OLD.flags & 8) <> 0)
                WHERE id = OLD.folder_id;
                UPDATE folders SET unseen_count = unseen_count + ((NEW.flags & 1) = 0), deleted_count = deleted_count + ((NEW.flags & 8) <> 0)
                WHERE id = NEW.folder_id;
            END;
            """, """
            CREATE FUNCTION folder_flag_counts() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Once per statement with its rows, not once per row: a row trigger updating the folder row
                -- for each of 10,000 messages marked read walks ever longer version chains of that one row.
                IF TG_OP = 'INSERT' THEN
                    UPDATE folders f SET unseen_count = f.unseen_count + d.u, deleted_count = f.deleted_count + d.d
                    FROM (SELECT folder_id, SUM(CASE WHEN flags & 1 = 0 THEN 1 ELSE 0 END) AS u, SUM(CASE WHEN flags & 8 <> 0 THEN 1 ELSE 0 END) AS d
                          FROM new_rows GROUP BY folder_id) d
                    WHERE f.id = d.folder_id AND (d.u <> 0 OR d.d <> 0);
                ELSIF TG_OP = 'DELETE' THEN
                    UPDATE folders f SET unseen_count = f.unseen_count - d.u, deleted_count = f.deleted_count - d.d
                    FROM (SELECT folder_id, SUM(CASE WHEN flags & 1 = 0 THEN 1 ELSE 0 END) AS u, SUM(CASE WHEN flags & 8 <> 0 THEN 1 ELSE 0 END) AS d
                          FROM old_rows GROUP BY folder_id) d
                    WHERE f.id = d.folder_id AND (d.u <> 0 OR d.d <> 0);
                ELSE
                    UPDATE folders f SET unseen_count = f.unseen_count + d.u, deleted_count = f.deleted_count + d.d
                    FROM (SELECT folder_id, SUM(u) AS u, SUM(d) AS d FROM (
                              SELECT folder_id, CASE WHEN flags & 1 = 0 THEN -1 ELSE 0 END AS u, CASE WHEN flags & 8 <> 0 THEN -1 ELSE 0 END AS d FROM old_rows
                              UNION ALL
                              SELECT folder_id, CASE WHEN flags & 1 = 0 THEN 1 ELSE 0 END, CASE WHEN flags & 8 <> 0 THEN 1 ELSE 0 END FROM new_rows) c
                          GROUP BY folder_id) d
                    WHERE f.id = d.folder_id AND (d.u <> 0 OR d.d <> 0);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER tr_messages_folder_flags_insert AFTER INSERT ON messages
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION folder_flag_counts();
            CREATE TRIGGER tr_messages_folder_flags_delete AFTER DELETE ON messages
                REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION folder_flag_counts();
            CREATE TRIGGER tr_messages_folder_flags_update AFTER UPDATE ON messages
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION folder_flag_counts();
            """),
    };

    public static int LatestVersion => Migrations[^1].Version;

    public static async Task ApplyAsync(EngineDatabase db, ILogger logger, CancellationToken ct)
    {
        await using var connection = await db.OpenRawAsync(ct);
        if (db.IsSqlite)
        {
            // WAL lets IMAP/POP3 readers run beside the single writer; FULL makes each commit durable.
            await connection.ExecAsync(null, "PRAGMA journal_mode=WAL;");
        }
        else
        {
            await connection.ExecAsync(null, $"CREATE SCHEMA IF NOT EXISTS {PostgresSchema};");
        }

        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!db.IsSqlite)
        {
            // Several engine nodes may start together on one PostgreSQL.
            await connection.ExecAsync(tx, "SELECT pg_advisory_xact_lock(718281828);");
        }
        await connection.ExecAsync(tx, "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);");
        var current = await connection.ScalarAsync(tx, "SELECT MAX(version) FROM schema_migrations;") ?? 0;
        var pk = db.IsSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
        foreach (var (version, name, sql) in Migrations)
        {
            if (version <= current)
                continue;
            logger.LogInformation("Applying mail engine schema migration {Version} ({Name})", version, name);
            var text = sql.Replace("{pk}", pk);
            foreach (var (placeholder, dialects) in DialectParts)
                text = text.Replace(placeholder, db.IsSqlite ? dialects.Sqlite : dialects.Postgres);
            await connection.ExecAsync(tx, text);
            await connection.ExecAsync(tx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@v, @n, @t);",
                ("@v", (long)version), ("@n", name), ("@t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        }
        await tx.CommitAsync(ct);
    }
}
