using System.Collections.Concurrent;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// The last successful login per mailbox and protocol (issue 19 item 4: "when did a mail program last use this
/// mailbox, and how"). A login only notes the time in memory; the notes are written to <c>mailbox_logins</c> every
/// <see cref="FlushInterval"/> (and before every read), newest wins, so thousands of logins a second cost one small
/// write a minute, not one each. A crash loses at most the last interval's times, which only a report reads.
/// </summary>
public sealed class LoginActivity(EngineDatabase db, TimeProvider time, ILogger<LoginActivity> logger) : BackgroundService
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<(long MailboxId, string Protocol), long> _pending = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>The names stored and shown: one per way in.</summary>
    public static string NameOf(MailProtocol protocol) => protocol switch
    {
        MailProtocol.Imap => "imap",
        MailProtocol.Pop3 => "pop3",
        MailProtocol.Webmail => "webmail",
        MailProtocol.Smtp => "submission",
        MailProtocol.ManageSieve => "managesieve",
        _ => "other",
    };

    public void Record(long mailboxId, MailProtocol protocol)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        _pending.AddOrUpdate((mailboxId, NameOf(protocol)), now, (_, old) => Math.Max(old, now));
    }

    /// <summary>Writes the noted logins; a failed write keeps them for the next attempt.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        // Wait for a flush in progress even when nothing is pending now: its batch is not committed yet, and a
        // reader that flushes first must see it.
        await _flushing.WaitAsync(ct);
        try
        {
            var batch = new List<((long MailboxId, string Protocol) Key, long At)>();
            foreach (var key in _pending.Keys)
                if (_pending.TryRemove(key, out var at))
                    batch.Add((key, at));
            if (batch.Count == 0)
                return;
            try
            {
                await db.WriteAsync(async (c, tx) =>
                {
                    foreach (var ((mailboxId, protocol), at) in batch)
                        // A mailbox purged since its login has no row to refer to: nothing is inserted for it.
                        await c.ExecAsync(tx, """
                            INSERT INTO mailbox_logins (mailbox_id, protocol, last_at)
                            SELECT id, @p, @t FROM mailboxes WHERE id = @m
                            ON CONFLICT (mailbox_id, protocol) DO UPDATE
                            SET last_at = CASE WHEN excluded.last_at > mailbox_logins.last_at THEN excluded.last_at ELSE mailbox_logins.last_at END
                            """, ("@m", mailboxId), ("@p", protocol), ("@t", at));
                }, ct);
            }
            catch
            {
                foreach (var (key, at) in batch)
                    _pending.AddOrUpdate(key, at, (_, old) => Math.Max(old, at));
                throw;
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try { await FlushAsync(stoppingToken); }
                catch (Exception e) when (e is not OperationCanceledException) { logger.LogWarning(e, "Could not record login times; retrying"); }
            }
        }
        catch (OperationCanceledException) { }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try { await FlushAsync(cancellationToken); }
        catch (Exception e) { logger.LogWarning(e, "Could not record the last login times at shutdown"); }
    }
}
