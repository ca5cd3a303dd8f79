using System.Diagnostics;
using System.Globalization;
using System.Text;
using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// IDLE notification latency: N clients SELECT INBOX and IDLE; then messages are delivered one at a
/// time (product: SMTP, Dovecot: LMTP) and for each the time from the delivery's final reply (the
/// message is committed) to the moment the LAST idling client has seen its "* n EXISTS" is recorded.
/// A notification that arrives before the reply counts as 0 ms. One delivery before the measured ones
/// is not recorded (for either server): it takes the first-use costs (JIT, caches, the first IDLE
/// wake-up of every session), so the figures are the steady state a user lives in.
/// </summary>
internal static class IdleLatencyWorkload
{
    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var server = o.String("server");
        var host = o.String("host", "127.0.0.1");
        var imapPort = o.Int("imap-port");
        var deliveryPort = o.Int("delivery-port");
        var lmtp = o.String("proto") == "lmtp";
        var user = o.String("user");
        var password = o.String("password");
        var idlers = o.Int("idlers", 50);
        var count = o.Int("count", 20);
        o.EnsureAllRead();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var ct = cts.Token;
        Console.Error.WriteLine($"[{server}] IDLE latency: {idlers} idling clients, {count} deliveries to {user}");
        var connections = new List<ImapConnection>();
        var seen = new List<(int Exists, long At)>[idlers];
        var readers = new List<Task>();
        var key = $"imap.idle.latency.c{idlers}";
        var label = $"IMAP IDLE: delivery reply → EXISTS at the last of {idlers} idling clients";
        try
        {
            var baseline = -1;
            for (var i = 0; i < idlers; i++)
            {
                var imap = await ImapConnection.ConnectAsync(host, imapPort, ct).ConfigureAwait(false);
                connections.Add(imap);
                if (!(await imap.LoginAsync(user, password, ct).ConfigureAwait(false)).Ok) throw new IOException("IMAP login failed");
                if (!(await imap.CommandAsync("SELECT INBOX", ct).ConfigureAwait(false)).Ok) throw new IOException("SELECT failed");
                baseline = baseline < 0 ? imap.Exists : Math.Min(baseline, imap.Exists);
                if (!await imap.IdleAsync(ct).ConfigureAwait(false)) throw new IOException("IDLE refused");
                var list = seen[i] = [];
                readers.Add(Task.Run(async () =>
                {
                    while (!ct.IsCancellationRequested)
                    {
                        var n = await imap.WaitExistsAsync(ct).ConfigureAwait(false);
                        var at = Stopwatch.GetTimestamp();
                        lock (list) list.Add((n, at));
                    }
                }, ct));
            }

            await using var delivery = await DeliveryConnection.ConnectAsync(host, deliveryPort, lmtp, ct).ConfigureAwait(false);
            var samples = new OpSamples();
            for (var d = 0; d <= count; d++)
            {
                var message = Encoding.ASCII.GetBytes(
                    $"From: probe@bench.test\r\nTo: {user}\r\nSubject: idle probe {d}\r\nMessage-ID: <idle{d}.{Environment.TickCount64}@bench.test>\r\n\r\nProbe {d}.\r\n.\r\n");
                var code = await delivery.DeliverAsync("probe@bench.test", [user], message, ct).ConfigureAwait(false);
                var acked = Stopwatch.GetTimestamp();
                var warmUp = d == 0;
                if (code != 250)
                {
                    samples.Errors++;
                    samples.LastError ??= delivery.LastReply;
                    continue;
                }

                var want = baseline + d + 1;
                var deadline = Stopwatch.GetTimestamp() + 5 * Stopwatch.Frequency;
                long last = 0;
                var all = true;
                foreach (var list in seen)
                {
                    long at;
                    while ((at = FirstAtLeast(list, want)) == 0 && Stopwatch.GetTimestamp() < deadline)
                        await Task.Delay(1, ct).ConfigureAwait(false);
                    if (at == 0) { all = false; break; }
                    last = Math.Max(last, at);
                }

                if (!all)
                {
                    samples.Errors++;
                    samples.LastError ??= $"delivery {d}: not every idling client saw EXISTS {want} within 5 s";
                    continue;
                }

                if (!warmUp)
                    samples.Add(last >= acked ? Stopwatch.GetElapsedTime(acked, last).TotalMilliseconds : 0, 0);
                await Task.Delay(50, ct).ConfigureAwait(false);
            }

            await delivery.QuitAsync(ct).ConfigureAwait(false);
            if (samples.Count == 0)
                return [ResultBuilder.Missing(key, label, server, "ms p50/p95/p99", "no notification seen" + (samples.LastError is null ? "" : ": " + samples.LastError))];
            return
            [
                new BenchResult
                {
                    Key = key, Label = label, Server = server, Unit = "ms p50/p95/p99", Value = samples.Percentile(50), HigherIsBetter = false,
                    Display = string.Create(CultureInfo.InvariantCulture, $"{samples.Percentile(50):0.00} / {samples.Percentile(95):0.00} / {samples.Percentile(99):0.00} ms")
                        + (samples.Errors > 0 ? $", {samples.Errors} missed" : ""),
                    Count = samples.Count, Errors = samples.Errors, Note = samples.LastError,
                },
            ];
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            foreach (var c in connections) await c.DisposeAsync().ConfigureAwait(false);
            try { await Task.WhenAll(readers).ConfigureAwait(false); } catch (Exception) { /* the readers end when their connection closes */ }
        }
    }

    /// <summary>When this client first saw at least <paramref name="exists"/> messages, or 0 if not yet.</summary>
    private static long FirstAtLeast(List<(int Exists, long At)> list, int exists)
    {
        lock (list)
        {
            foreach (var (n, at) in list)
                if (n >= exists) return at;
        }
        return 0;
    }
}
