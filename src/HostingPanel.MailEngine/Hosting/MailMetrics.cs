using System.Diagnostics;
using System.Diagnostics.Metrics;
using HostingPanel.MailEngine.Outbound;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>
/// The engine's instruments, on the standard System.Diagnostics.Metrics API (no exporter here: the host
/// chooses one; the panel serves them in Prometheus format on /metrics). Names follow OpenTelemetry's
/// conventions (dotted, unit separate); a Prometheus exporter turns <c>hostingpanel.mail.connections</c>
/// into <c>hostingpanel_mail_connections_total</c>. Every method is a few nanoseconds when nobody listens.
/// Totals are also kept as plain counters for the admin's System page.
/// </summary>
public sealed class MailMetrics : IDisposable
{
    public const string MeterName = "HostingPanel.MailEngine";

    private readonly Meter _meter;
    private readonly Counter<long> _connections;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _outbound;
    private readonly Histogram<double> _storeWrite;
    private long _quotaFullMailboxes;

    private long _totalConnections, _totalDeliveries, _totalRefusals, _totalAuthFailures;

    public MailMetrics(IMeterFactory meters, OutboundQueue queue)
    {
        _meter = meters.Create(MeterName);
        _connections = _meter.CreateCounter<long>("hostingpanel.mail.connections", "{connection}", "Connections accepted, by listener (imap, imaps, pop3, pop3s, smtp, submission, submissions).");
        _logins = _meter.CreateCounter<long>("hostingpanel.mail.logins", "{login}", "Login attempts by protocol and result (success, failure).");
        _authFailures = _meter.CreateCounter<long>("hostingpanel.mail.auth.failures", "{failure}", "Failed logins by protocol and reason (invalid_credentials, throttled, disabled, protocol_disabled).");
        _deliveries = _meter.CreateCounter<long>("hostingpanel.mail.deliveries", "{recipient}", "Delivery log outcomes per recipient (accepted, refused, delivered, filed, forwarded, queued, relayed, bounced, deferred).");
        _refusals = _meter.CreateCounter<long>("hostingpanel.mail.refusals", "{recipient}", "Mail refused by the SMTP listeners, by reason.");
        _outbound = _meter.CreateCounter<long>("hostingpanel.mail.outbound.results", "{recipient}", "Outbound delivery attempts per recipient by result class (delivered, deferred, bounced).");
        _storeWrite = _meter.CreateHistogram<double>("hostingpanel.mail.store.write.duration", "s", "Time to store one delivered message durably (body file, fsync, metadata commit).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _meter.CreateObservableGauge("hostingpanel.mail.queue.depth", () => (long)queue.Statistics.Depth, "{message}", "Messages waiting in the outbound queue.");
        _meter.CreateObservableGauge("hostingpanel.mail.queue.oldest.age", () => OldestAge(queue.Statistics), "s", "Age of the oldest message in the outbound queue (0 when empty).");
        _meter.CreateObservableGauge("hostingpanel.mail.mailboxes.quota_full", () => Interlocked.Read(ref _quotaFullMailboxes), "{mailbox}", "Mailboxes whose usage has reached their quota (sampled).");
    }

    public long TotalConnections => Interlocked.Read(ref _totalConnections);
    public long TotalDeliveries => Interlocked.Read(ref _totalDeliveries);
    public long TotalRefusals => Interlocked.Read(ref _totalRefusals);
    public long TotalAuthFailures => Interlocked.Read(ref _totalAuthFailures);
    public long QuotaFullMailboxes => Interlocked.Read(ref _quotaFullMailboxes);

    public void ConnectionAccepted(string listener)
    {
        Interlocked.Increment(ref _totalConnections);
        _connections.Add(1, new KeyValuePair<string, object?>("listener", listener));
    }

    public void Login(Auth.MailProtocol protocol, Auth.AuthFailure failure)
    {
        var name = ProtocolName(protocol);
        _logins.Add(1, new("protocol", name), new("result", failure == Auth.AuthFailure.None ? "success" : "failure"));
        if (failure == Auth.AuthFailure.None)
            return;
        Interlocked.Increment(ref _totalAuthFailures);
        _authFailures.Add(1, new("protocol", name), new("reason", failure switch
        {
            Auth.AuthFailure.Throttled => "throttled",
            Auth.AuthFailure.Disabled => "disabled",
            Auth.AuthFailure.ProtocolDisabled => "protocol_disabled",
            _ => "invalid_credentials",
        }));
    }

    /// <summary>One delivery log outcome for one recipient; refusals also by their reason.</summary>
    public void Outcome(string outcome, string? refusalReason = null)
    {
        _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (refusalReason is null)
        {
            Interlocked.Increment(ref _totalDeliveries);
            return;
        }
        Interlocked.Increment(ref _totalRefusals);
        _refusals.Add(1, new KeyValuePair<string, object?>("reason", refusalReason));
    }

    public void OutboundResult(string resultClass) => _outbound.Add(1, new KeyValuePair<string, object?>("class", resultClass));

    public void StoreWrite(TimeSpan elapsed) => _storeWrite.Record(elapsed.TotalSeconds);

    public static long StartTimer() => Stopwatch.GetTimestamp();

    public void StoreWriteSince(long startTimestamp) => StoreWrite(Stopwatch.GetElapsedTime(startTimestamp));

    internal void SetQuotaFullMailboxes(long count) => Interlocked.Exchange(ref _quotaFullMailboxes, count);

    private static double OldestAge(QueueStatistics stats) =>
        stats.OldestCreatedAt is { } oldest ? Math.Max(0, (DateTimeOffset.UtcNow - oldest).TotalSeconds) : 0;

    private static string ProtocolName(Auth.MailProtocol protocol) => protocol switch
    {
        Auth.MailProtocol.Imap => "imap",
        Auth.MailProtocol.Pop3 => "pop3",
        // Webmail speaks IMAP to the engine: counted with IMAP, so the label set stays what dashboards know.
        Auth.MailProtocol.Webmail => "imap",
        _ => "smtp",
    };

    public void Dispose() => _meter.Dispose();
}
