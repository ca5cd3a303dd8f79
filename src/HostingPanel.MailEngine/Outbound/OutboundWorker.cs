using HostingPanel.MailEngine.Protocol.Smtp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Outbound;

/// <summary>
/// Sends due queue entries (Mail:Queue:MaxParallel at a time): each attempt updates the entry's state on disk, backs off
/// (doubling from Mail:Queue:RetryDelay), and after the last attempt or a 5xx bounces the failed
/// recipients to the sender.
/// </summary>
public sealed class OutboundWorker(OutboundQueue queue, OutboundRelay relay, BounceSender bounces, IOptions<QueueOptions> options, TimeProvider time,
    ILogger<OutboundWorker> logger, Hosting.MailMetrics? metrics = null, Delivery.DeliveryRecorder? recorder = null,
    Limits.SendLimiter? limits = null) : BackgroundService
{
    private readonly QueueOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var due = await queue.DueAsync(time.GetUtcNow(), stoppingToken);
                // Mail of a mailbox whose sending is held waits in the queue until staff release it or delete it.
                IReadOnlySet<string> held = limits is not null && due.Any(e => e.SubmittedBy is not null)
                    ? await limits.HeldAddressesAsync(stoppingToken)
                    : new HashSet<string>();
                if (held.Count > 0)
                {
                    await queue.UnclaimAsync(due.Where(e => IsHeld(e, held)).Select(e => e.Id).ToList(), stoppingToken);
                    due = due.Where(e => !IsHeld(e, held)).ToList();
                }
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxParallel), CancellationToken = stoppingToken },
                    async (entry, ct) =>
                    {
                        try
                        {
                            await ProcessAsync(entry, ct);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            logger.LogError(e, "Queue entry {Id} failed to process", entry.Id);
                        }
                    });
                var next = await queue.NextDueAsync(e => !IsHeld(e, held), stoppingToken);
                var delay = next is null ? _options.PollInterval : next.Value - time.GetUtcNow();
                if (delay > _options.PollInterval)
                    delay = _options.PollInterval;
                if (delay > TimeSpan.Zero)
                    await queue.Wakeup.WaitAsync(delay, stoppingToken);
                // Drain extra signals: one pass handles everything due.
                while (queue.Wakeup.CurrentCount > 0)
                    await queue.Wakeup.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Outbound queue pass failed");
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private static bool IsHeld(QueuedMessage entry, IReadOnlySet<string> held) => entry.SubmittedBy is { } by && held.Contains(by);

    /// <summary>One attempt for one entry (also used by tests).</summary>
    internal async Task ProcessAsync(QueuedMessage entry, CancellationToken ct)
    {
        var message = await queue.ReadMessageAsync(entry.Id, ct);
        if (message is null)
            return; // deleted meanwhile
        var pending = entry.Recipients.Where(r => r.Status == QueuedRecipientStatus.Pending).Select(r => r.Address).ToList();
        var messageId = Protocol.MessageIdHeader.Find(message);
        void Log(Delivery.DeliveryOutcome outcome, string resultClass, string address, string? reason, string? detail)
        {
            metrics?.OutboundResult(resultClass);
            recorder?.Record(new Delivery.DeliveryEvent(time.GetUtcNow(), outcome, entry.Sender, address, messageId, entry.Size, null, reason,
                $"attempt {entry.Attempts + 1}: {detail}", QueueId: entry.Id));
        }
        var outcomes = await relay.AttemptAsync(entry.Sender, pending, message, OutboundDsn.Of(entry), ct);
        var now = time.GetUtcNow();
        var attempts = entry.Attempts + 1;
        var expired = attempts >= _options.MaxAttempts || now - entry.CreatedAt >= _options.MaxAge;
        var failed = 0;
        // RFC 3461 NOTIFY decides which outcomes are reported; without it only failures are.
        var reports = new List<DsnRecipientReport>();
        string? lastError = null;
        var recipients = entry.Recipients.Select(r =>
        {
            if (r.Status != QueuedRecipientStatus.Pending || !outcomes.TryGetValue(r.Address, out var outcome))
                return r;
            var dsn = r.Dsn ?? DsnRecipient.None;
            if (outcome.Kind == RelayOutcomeKind.Delivered)
            {
                Log(Delivery.DeliveryOutcome.Relayed, "delivered", r.Address, null,
                    (outcome.Error ?? "accepted by the remote server") + (outcome.Tls is { Length: > 0 } tls ? "; " + tls : ""));
                // A next hop that speaks DSN got NOTIFY and reports itself (RFC 3461 section 6.2.1); otherwise "relayed" is ours to say.
                if (dsn.Wants(DsnNotify.Success) && !outcome.NextHopSpeaksDsn)
                    reports.Add(new DsnRecipientReport(r.Address, dsn.OriginalRecipient, DsnAction.Relayed, "2.0.0", null));
                return r with { Status = QueuedRecipientStatus.Delivered, LastError = null };
            }
            lastError ??= outcome.Error;
            if (outcome.Kind == RelayOutcomeKind.Permanent || expired)
            {
                var status = outcome.Kind == RelayOutcomeKind.Permanent ? outcome.Status : "4.4.7";
                var diagnostic = outcome.Kind == RelayOutcomeKind.Permanent
                    ? outcome.Error ?? "refused"
                    : $"gave up after {attempts} attempt(s): {outcome.Error}";
                failed++;
                if (dsn.Wants(DsnNotify.Failure))
                    reports.Add(new DsnRecipientReport(r.Address, dsn.OriginalRecipient, DsnAction.Failed, status.StartsWith('5') ? status : "5.4.7", diagnostic));
                Log(Delivery.DeliveryOutcome.Bounced, "bounced", r.Address, outcome.Kind == RelayOutcomeKind.Permanent ? "remote_refused" : "expired",
                    dsn.Wants(DsnNotify.Failure) ? diagnostic : diagnostic + " (no report: NOTIFY=" + dsn.Notify.ToString().ToUpperInvariant() + ")");
                return r with { Status = QueuedRecipientStatus.Failed, LastError = diagnostic };
            }
            Log(Delivery.DeliveryOutcome.Deferred, "deferred", r.Address, "temporary_failure", outcome.Error);
            if (dsn.Wants(DsnNotify.Delay) && !r.DelayReported)
            {
                reports.Add(new DsnRecipientReport(r.Address, dsn.OriginalRecipient, DsnAction.Delayed, outcome.Status.StartsWith('4') ? outcome.Status : "4.0.0", outcome.Error));
                return r with { LastError = outcome.Error, DelayReported = true };
            }
            return r with { LastError = outcome.Error };
        }).ToList();
        var delay = TimeSpan.FromTicks(Math.Min(_options.MaxRetryDelay.Ticks, _options.RetryDelay.Ticks * (1L << Math.Min(attempts - 1, 20))));
        var updated = entry with { Recipients = recipients, Attempts = attempts, NextAttemptAt = now + delay, LastError = lastError };
        logger.LogInformation("Queue {Id} attempt {Attempt}: {Delivered} delivered, {Failed} failed, {Pending} pending",
            entry.Id, attempts, recipients.Count(r => r.Status == QueuedRecipientStatus.Delivered), failed,
            recipients.Count(r => r.Status == QueuedRecipientStatus.Pending));
        if (!await queue.UpdateAsync(updated, ct))
            return;
        if (reports.Count > 0 && !entry.IsBounce)
        {
            // A forward of mail from the Internet reports only to a verified sender (no backscatter); otherwise the failure
            // stays in the delivery log, where the forwarding address's tenant sees it.
            var verdict = await bounces.MayReportToAsync(entry.Sender, message, entry.Origin, ct);
            if (verdict.Verified)
                await bounces.SendReportAsync(entry.Sender, entry.Dsn ?? DsnEnvelope.None, reports, message, entry.CreatedAt, ct);
            else if (entry.Sender.Length > 0)
                RecordWithheld(entry, reports, messageId, verdict.Reason);
        }
    }

    /// <summary>
    /// Issue 16.10: a failure whose report was withheld from an unproven sender is shown to the owner of the hosted address
    /// that forwarded the message (the line's recipient, so the owner's page finds it); without one, to the destination.
    /// The sender is the one the Internet gave us, not its SRS form.
    /// </summary>
    private void RecordWithheld(QueuedMessage entry, List<DsnRecipientReport> reports, string? messageId, string reason)
    {
        var sender = entry.Origin?.MailFrom is { Length: > 0 } original ? original : entry.Sender;
        foreach (var report in reports.Where(r => r.Action == DsnAction.Failed))
        {
            var by = entry.Recipients.FirstOrDefault(r => string.Equals(r.Address, report.FinalRecipient, StringComparison.OrdinalIgnoreCase))?.ForwardedBy?.ToLowerInvariant();
            var detail = (by is null ? "" : $"forwarded to <{report.FinalRecipient}>: ") + $"{report.Diagnostic}; no delivery status notification to <{sender}>: {reason}";
            recorder?.Record(new Delivery.DeliveryEvent(time.GetUtcNow(), Delivery.DeliveryOutcome.Bounced, sender, by ?? report.FinalRecipient, messageId, entry.Size, null,
                "dsn_suppressed", detail, LocalDomain: by is null ? null : HostingPanel.MailEngine.Directory.MailDirectory.DomainOf(by), QueueId: entry.Id));
        }
    }
}
