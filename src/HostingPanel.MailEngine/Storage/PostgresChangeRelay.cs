using System.Text.Json;
using System.Threading.Channels;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// On PostgreSQL, carries <see cref="MailboxChange"/>s between engine nodes with LISTEN/NOTIFY, so an
/// IMAP session on one node hears of a delivery made by another. A change whose UID list would not fit
/// a notification (8000 bytes) is sent with an empty list, which subscribers read as "rescan the folder".
/// Nothing happens on SQLite (one process owns the store).
/// </summary>
public sealed class PostgresChangeRelay(EngineDatabase db, MailboxChangeNotifier notifier, IOptions<MailStorageOptions> options, ILogger<PostgresChangeRelay> logger)
    : BackgroundService
{
    private const string Channel = "hostingpanel_mail_changes";
    private const int MaxPayload = 7000;
    private const int MaxPerStatement = 100;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly Channel<MailboxChange> _outgoing = System.Threading.Channels.Channel.CreateUnbounded<MailboxChange>(new UnboundedChannelOptions { SingleReader = true });

    private sealed record Wire(string Node, long MailboxId, long FolderId, MailboxChangeKind Kind, long[] Uids, long ModSeq);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (db.IsSqlite)
            return;
        await db.EnsureReadyAsync();
        notifier.Relay = change => _outgoing.Writer.TryWrite(change);
        await Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(options.Value.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => Receive(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(ct);
                notifier.SetRelayListening(true);
                try
                {
                    while (!ct.IsCancellationRequested)
                        await connection.WaitAsync(ct);
                }
                finally
                {
                    notifier.SetRelayListening(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Mail change listener lost its connection; reconnecting");
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void Receive(string payload)
    {
        try
        {
            var wire = JsonSerializer.Deserialize<Wire>(payload);
            if (wire is null || wire.Node == _node)
                return;
            notifier.PublishLocal(new MailboxChange(wire.MailboxId, wire.FolderId, wire.Kind, wire.Uids, wire.ModSeq));
        }
        catch (JsonException e)
        {
            logger.LogWarning(e, "Ignoring a malformed mail change notification");
        }
    }

    private async Task SendAsync(CancellationToken ct)
    {
        try
        {
            var pending = new List<string>(MaxPerStatement);
            while (await _outgoing.Reader.WaitToReadAsync(ct))
            {
                // Every change queued meanwhile goes in one statement: one round trip however many sessions wrote.
                pending.Clear();
                while (pending.Count < MaxPerStatement && _outgoing.Reader.TryRead(out var change))
                {
                    var payload = JsonSerializer.Serialize(new Wire(_node, change.MailboxId, change.FolderId, change.Kind, [.. change.Uids], change.ModSeq));
                    if (payload.Length > MaxPayload)
                        payload = JsonSerializer.Serialize(new Wire(_node, change.MailboxId, change.FolderId, change.Kind, [], change.ModSeq));
                    pending.Add(payload);
                }
                var calls = string.Join(", ", pending.Select((_, i) => $"pg_notify(@c, @p{i})"));
                var parameters = pending.Select((p, i) => ("@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), (object?)p)).Prepend(("@c", Channel)).ToArray();
                try
                {
                    await db.ReadAsync(async c =>
                    {
                        await c.ExecAsync(null, "SELECT " + calls, parameters);
                        return 0;
                    }, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not notify other nodes of a mail change");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
