using System.Data.Common;
using System.Threading.Channels;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Delivery;

/// <summary>
/// Writes delivery log lines off the delivery path: <see cref="Enqueue"/> only puts the line in a bounded channel;
/// this service inserts what gathered every <see cref="DeliveryLogOptions.FlushInterval"/> in one transaction, and
/// deletes lines past <see cref="DeliveryLogOptions.RetentionDays"/> once an hour. A full channel drops lines
/// (counted, logged) instead of blocking a delivery. Lines are not durable before they are written: a crash loses
/// at most the last interval's lines, never mail.
/// </summary>
public sealed class DeliveryLogWriter : BackgroundService
{
    private const int MaxBatch = 2000;
    private readonly Channel<DeliveryEvent> _pending;
    private readonly EngineDatabase _db;
    private readonly DeliveryLogOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryLogWriter> _logger;
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;
    private long _dropped;
    // One flush at a time: a caller's flush must not return while the loop's flush still holds lines it has taken
    // from the channel but not yet committed (tests and the search after "flush" would miss them).
    private readonly SemaphoreSlim _flushing = new(1, 1);

    public DeliveryLogWriter(EngineDatabase db, IOptions<DeliveryLogOptions> options, TimeProvider time, ILogger<DeliveryLogWriter> logger)
    {
        _db = db;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _pending = Channel.CreateBounded<DeliveryEvent>(new BoundedChannelOptions(Math.Max(1, _options.MaxPending))
        {
            FullMode = BoundedChannelFullMode.DropWrite,
            SingleReader = true,
        });
    }

    /// <summary>Lines dropped because the writer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Enqueue(DeliveryEvent e)
    {
        if (!_options.Enabled)
            return;
        if (!_pending.Writer.TryWrite(e) && Interlocked.Increment(ref _dropped) % 1000 == 1)
            _logger.LogWarning("Delivery log is behind: {Dropped} line(s) dropped so far", Dropped);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(_options.FlushInterval, _time, stoppingToken);
                await FlushAsync(stoppingToken);
                await PurgeIfDueAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Stopping: what is already here is still written.
        await FlushAsync(CancellationToken.None);
    }

    /// <summary>
    /// Writes every line waiting now (in batches); used by the loop and by tests. When it returns, every line enqueued
    /// before the call is committed (or its failure logged), including lines a concurrent flush had already taken.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        await _flushing.WaitAsync(ct);
        try
        {
            await FlushPendingAsync(ct);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task FlushPendingAsync(CancellationToken ct)
    {
        var batch = new List<DeliveryEvent>();
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var e))
                batch.Add(e);
            if (batch.Count == 0)
                return;
            try
            {
                await _db.WriteAsync((c, tx) => InsertAsync(c, tx, batch), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The log must not take mail down with it: the lines are lost, the failure is said.
                _logger.LogError(e, "Writing {Count} delivery log line(s) failed", batch.Count);
            }
        }
    }

    private static async Task InsertAsync(DbConnection c, DbTransaction tx, List<DeliveryEvent> batch)
    {
        await using var command = c.Command(tx, """
            INSERT INTO delivery_log (time, outcome, sender, recipient, local_domain, message_id, size, client, reason, detail, queue_id)
            VALUES (@time, @outcome, @sender, @recipient,
                    COALESCE(@local, (SELECT q.local_domain FROM delivery_log q WHERE q.queue_id = @queue AND q.recipient = @recipient AND q.local_domain IS NOT NULL ORDER BY q.id LIMIT 1)),
                    @mid, @size, @client, @reason, @detail, @queue)
            """,
            ("@time", 0L), ("@outcome", ""), ("@sender", ""), ("@recipient", ""), ("@local", null), ("@mid", null), ("@size", 0L),
            ("@client", null), ("@reason", null), ("@detail", null), ("@queue", null));
        foreach (var e in batch)
        {
            // By position, in the order the parameters were added above.
            object?[] values =
            [
                e.Time.ToUnixTimeMilliseconds(), e.Outcome.Name(), Cut(e.Sender, 320) ?? "", Cut(e.Recipient, 320) ?? "", Cut(e.LocalDomain, 255),
                DeliveryLogText.MessageId(e.MessageId), e.Size, Cut(e.Client, 100), Cut(e.Reason, 64), Cut(e.Detail, 500), Cut(e.QueueId, 64),
            ];
            for (var i = 0; i < values.Length; i++)
                command.Parameters[i].Value = values[i] ?? DBNull.Value;
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task PurgeIfDueAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        if (_options.RetentionDays <= 0 || now < _nextPurge)
            return;
        _nextPurge = now.AddHours(1);
        await PurgeAsync(now, ct);
    }

    /// <summary>Deletes lines older than the retention; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        if (_options.RetentionDays <= 0)
            return 0;
        var cutoff = now.AddDays(-_options.RetentionDays).ToUnixTimeMilliseconds();
        var removed = await _db.WriteAsync((c, tx) => c.ExecAsync(tx, "DELETE FROM delivery_log WHERE time < @cutoff", ("@cutoff", cutoff)), ct);
        if (removed > 0)
            _logger.LogInformation("Delivery log: {Count} line(s) older than {Days} days removed", removed, _options.RetentionDays);
        return removed;
    }

    private static string? Cut(string? text, int max) => text is null ? null : text.Length <= max ? text : text[..max];
}

/// <summary>How values are kept in the log, shared by the writer and the search.</summary>
public static class DeliveryLogText
{
    /// <summary>A Message-ID without its angle brackets and surrounding space (people paste it either way).</summary>
    public static string? MessageId(string? value)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
            return null;
        if (v.StartsWith('<') && v.EndsWith('>') && v.Length >= 2)
            v = v[1..^1].Trim();
        return v.Length == 0 ? null : v.Length > 250 ? v[..250] : v;
    }
}
